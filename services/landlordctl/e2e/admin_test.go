package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/landlord-dev/landlord/services/identity"
	"github.com/landlord-dev/landlord/services/stacktest"
)

// TestAdminManagesTenantsWithLandlordctl drives the tenant, namespace,
// member, plan and quota commands as the platform admin, and the error
// lines a user sees.
func TestAdminManagesTenantsWithLandlordctl(t *testing.T) {
	s := start(t)
	base := adminLogin(t, s)
	name := fmt.Sprintf("lc-adm-%d", time.Now().UnixNano()%1e6)
	must := func(args ...string) string {
		t.Helper()
		out, err := ctl(t, "", append(base, args...)...)
		if err != nil {
			t.Fatalf("landlordctl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}

	if out := must("tenants", "create", name, "--plan", "standard", "--namespace", "dev"); !strings.Contains(out, name) || !strings.HasPrefix(out, "NAME") {
		t.Errorf("create table:\n%s", out)
	}
	var listed struct{ Tenants []struct{ Name string } }
	if err := yaml.Unmarshal([]byte(must("tenants", "list", "-o", "yaml")), &listed); err != nil || !hasTenant(listed.Tenants, name) {
		t.Errorf("list -o yaml: %v %+v", err, listed)
	}
	var got struct{ Name, DisplayName string }
	must("tenants", "update", name, "--display-name", "ACME Corp")
	if err := json.Unmarshal([]byte(must("tenants", "get", name, "-o", "json")), &got); err != nil || got.DisplayName != "ACME Corp" {
		t.Errorf("get after update: %v %+v", err, got)
	}
	must("namespaces", "add", name, "web")
	if out := must("namespaces", "list", name); !strings.Contains(out, "web") || !strings.Contains(out, "dev") {
		t.Errorf("namespaces list:\n%s", out)
	}
	if out, err := ctl(t, "a long enough password", append(base, "users", "create", "ctl-someone", "--password-stdin")...); err != nil {
		t.Fatalf("users create: %v\n%s", err, out)
	}
	if out := must("users", "list"); !strings.Contains(out, "ctl-someone") {
		t.Errorf("users list:\n%s", out)
	}
	must("members", "set", name, "ctl-someone", "viewer")
	if out := must("members", "list", name); !strings.Contains(out, "user:ctl-someone") || !strings.Contains(out, "Viewer") {
		t.Errorf("members list:\n%s", out)
	}
	must("members", "delete", name, "ctl-someone")
	must("users", "delete", "ctl-someone")
	if out := must("plans", "list"); !strings.Contains(out, "standard") {
		t.Errorf("plans list:\n%s", out)
	}
	must("plans", "get", "standard", "-o", "yaml")
	if out := must("quota", "get", name); !strings.HasPrefix(out, "RESOURCE") {
		t.Errorf("quota get:\n%s", out)
	}

	for args, want := range map[string]string{
		"tenants get Bad_Name":        "INVALID_ARGUMENT",
		"tenants get ctl-nonexistent": "NOT_FOUND",
		"members set x ann superuser": "unknown role",
	} {
		_, err := ctl(t, "", append(base, strings.Fields(args)...)...)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line with %s", args, err, want)
		}
	}

	if out := must("tenants", "hibernate", name); !strings.Contains(out, "true") {
		t.Errorf("hibernate:\n%s", out)
	}
	must("tenants", "wake", name)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	out, err := ctlCtx(ctx, "", append(base, "tenants", "watch", name)...)
	cancel()
	if !strings.HasPrefix(out, "EVENT") || !strings.Contains(out, name) || strings.Count(out, "EVENT") != 1 {
		t.Errorf("watch (%v):\n%s", err, out)
	}
	if out := must("usage", "get", name); !strings.Contains(out, "(total)") {
		t.Errorf("usage get:\n%s", out)
	}
	if out := must("cost", name); !strings.Contains(out, "(total)") {
		t.Errorf("cost:\n%s", out)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 2*time.Second)
	out, err = ctlCtx(ctx, "", append(base, "events", name, "--since", "1h")...)
	cancel()
	if err != nil && !strings.HasPrefix(err.Error(), "DEADLINE_EXCEEDED") {
		t.Errorf("events: %v\n%s", err, out)
	}

	must("tenants", "delete", name, "--force")
	must("logout")
	if _, err := ctl(t, "", append(base, "whoami")...); err == nil || !strings.Contains(err.Error(), "login") {
		t.Errorf("whoami after logout: %v", err)
	}
}

// adminLogin logs the bootstrap platform admin in with landlordctl.
func adminLogin(t *testing.T, s *stacktest.Stack) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(s.Dir, "identity", "bootstrap-admin"))
	if err != nil {
		t.Fatal(err)
	}
	_, pw, _ := strings.Cut(string(data), "password: ")
	return login(t, s, identity.BootstrapAdmin, strings.TrimSpace(pw))
}

func hasTenant(ts []struct{ Name string }, name string) bool {
	for _, t := range ts {
		if t.Name == name {
			return true
		}
	}
	return false
}
