package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func TestPatchSetsTheUpdateMaskFromTheBody(t *testing.T) {
	e := started(t)
	if r := e.call(t, http.MethodPost, "/v1/tenants", e.admin, map[string]any{"name": patch, "plan": "standard"}); r.code != http.StatusOK {
		t.Fatalf("create: %d %s", r.code, r.body)
	}
	// Only displayName is sent: the mask is [display_name], so the plan
	// (absent from the body) is left alone.
	patched := e.call(t, http.MethodPatch, "/v1/tenants/"+patch, e.admin, map[string]any{"displayName": "Patched Inc"})
	if patched.code != http.StatusOK {
		t.Fatalf("patch: %d %s", patched.code, patched.body)
	}
	got := e.call(t, http.MethodGet, "/v1/tenants/"+patch, e.admin, nil).json(t)["tenant"].(map[string]any)
	if got["displayName"] != "Patched Inc" || got["plan"] != "standard" {
		t.Errorf("after patch: %v", got)
	}
}

func TestServerStreamsAreNewlineDelimitedJSON(t *testing.T) {
	e := started(t)
	if r := e.call(t, http.MethodPost, "/v1/tenants", e.admin, map[string]any{"name": watch, "plan": "standard"}); r.code != http.StatusOK {
		t.Fatalf("create: %d %s", r.code, r.body)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.url+"/v1/tenants:watch", nil)
	req.Header.Set("Authorization", "Bearer "+e.admin)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("watch: %d", resp.StatusCode)
	}
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(nil, 1<<20)
	for lines.Scan() {
		var line struct {
			Result struct {
				Type   string
				Tenant struct{ Name string }
			}
		}
		if err := json.Unmarshal(lines.Bytes(), &line); err != nil {
			t.Fatalf("line %q: %v", lines.Bytes(), err)
		}
		if line.Result.Tenant.Name == watch && line.Result.Type == "EVENT_TYPE_ADDED" {
			return
		}
	}
	t.Fatalf("stream ended (%v) before gw-watch was ADDED", lines.Err())
}

func TestTheGatewayDoesNotLendItsCertificate(t *testing.T) {
	e := started(t)
	mallory := e.user(t, "gw-mallory")
	// Quota answers GetTenantRateLimit only to the gateway's certificate;
	// through the gateway, a user's call presents none.
	// Identity's AuthService sees the gateway's certificate (to trust the
	// forwarded client address), which must not stand in for a token.
	if r := e.call(t, http.MethodGet, "/v1/auth:whoami", "", nil); r.code != http.StatusUnauthorized {
		t.Errorf("whoami without a token: %d %s", r.code, r.body)
	}
	for who, token := range map[string]string{"nobody": "", "a user": mallory} {
		r := e.call(t, http.MethodGet, "/v1/tenants/standard-tenant/quota:rateLimit", token, nil)
		if r.code == http.StatusOK {
			t.Errorf("%s read a tenant's rate limit through the gateway: %s", who, r.body)
		}
	}
}
