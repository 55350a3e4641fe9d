package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	"github.com/landlord-dev/landlord/services/landlordctl/credentials"
)

// TestUserGetsKubectlAccessToOwnTenantOnly is the quick start as a
// tenant's user does it: landlordctl login, kubeconfig, then kubectl in
// the tenant's namespace (allowed) and another tenant's (Forbidden).
func TestUserGetsKubectlAccessToOwnTenantOnly(t *testing.T) {
	s := start(t)
	kubectlBin := kubectl(t)
	dir := t.TempDir()
	ctlBin := buildCtl(t, dir)

	// Tenants outlive the stack (they are in the cluster): names of
	// this run's own.
	run := time.Now().UnixNano() % 1e6
	acme, other := fmt.Sprintf("lc-acme-%d", run), fmt.Sprintf("lc-other-%d", run)
	acmeNS, otherNS := tenant(t, s, acme), tenant(t, s, other)
	s.Member(t, "ctl-ann", acme, identityv1.Role_ROLE_EDITOR)

	base := login(t, s, "ctl-ann", "correct horse battery staple\n")
	conf := base[1]
	if fi, err := os.Stat(filepath.Join(conf, "credentials.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v %v", fi, err)
	}
	var who struct{ Username string }
	if out, err := ctl(t, "", append(base, "whoami", "-o", "json")...); err != nil || json.Unmarshal([]byte(out), &who) != nil || who.Username != "ctl-ann" {
		t.Errorf("whoami: %v\n%s", err, out)
	}
	if _, err := ctl(t, "", append(base, "tenants", "get", other)...); err == nil || !strings.HasPrefix(err.Error(), "NOT_FOUND") {
		t.Errorf("another tenant: %v, want NOT_FOUND", err)
	}

	kubeconfig := filepath.Join(dir, "kubeconfig")
	if out, err := ctl(t, "", append(base, "kubeconfig", "--tenant", acme, "--kubeconfig", kubeconfig, "--exec-command", ctlBin)...); err != nil {
		t.Fatalf("kubeconfig: %v\n%s", err, out)
	}
	kc := func(args ...string) (string, error) {
		out, err := exec.Command(kubectlBin, append([]string{"--kubeconfig", kubeconfig}, args...)...).CombinedOutput()
		return string(out), err
	}
	// The API server retries an issuer it could not reach every 10 s.
	devclustertest.Eventually(t, 60*time.Second, func() error {
		out, err := kc("auth", "whoami")
		if err == nil && !strings.Contains(out, "landlord:ctl-ann") {
			t.Fatalf("kubectl auth whoami: %s", out)
		}
		return err
	})
	if out, err := kc("create", "configmap", "app-config", "--from-literal", "k=v"); err != nil {
		t.Errorf("ConfigMap in the tenant's namespace %s: %v\n%s", acmeNS, err, out)
	}
	if out, err := kc("-n", otherNS, "create", "configmap", "app-config"); err == nil || !strings.Contains(out, "forbidden") {
		t.Errorf("ConfigMap in another tenant's namespace: %v\n%s", err, out)
	}
}

// TestParallelTokenRefreshOnce: kubectl runs several credential plugins
// at once; when the cached token is about to expire they refresh once.
// Identity rotates refresh tokens, so a second refresh with the same one
// would fail: every process succeeding shows the lock worked.
func TestParallelTokenRefreshOnce(t *testing.T) {
	s := start(t)
	ctlBin := buildCtl(t, t.TempDir())
	s.Member(t, "ctl-bob", "", 0)
	conf := login(t, s, "ctl-bob", "correct horse battery staple")[1]
	store := credentials.Store{Dir: conf}
	old, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	old.AccessExpiry = time.Now() // as if it were expiring
	if err := store.Save(old); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	tokens := make([]string, 6)
	for i := range tokens {
		wg.Go(func() {
			out, err := exec.Command(ctlBin, "--config-dir", conf, "token").Output()
			if err != nil {
				t.Errorf("token %d: %v %s", i, err, out)
				return
			}
			var cred struct {
				Kind   string
				Status struct{ Token, ExpirationTimestamp string }
			}
			if err := json.Unmarshal(out, &cred); err != nil || cred.Kind != "ExecCredential" || cred.Status.ExpirationTimestamp == "" {
				t.Errorf("token %d: %v %s", i, err, out)
			}
			tokens[i] = cred.Status.Token
		})
	}
	wg.Wait()
	for i, tok := range tokens {
		if tok == old.AccessToken || tok != tokens[0] {
			t.Errorf("process %d got a different or the old token", i)
		}
	}
}
