package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestAPIKeyLogin: a service account's API key, made with landlordctl,
// logs landlordctl in (ExchangeApiKey) until it is revoked.
func TestAPIKeyLogin(t *testing.T) {
	s := start(t)
	admin := adminLogin(t, s)
	as := func(base []string, args ...string) (string, error) { return ctl(t, "", append(base, args...)...) }
	if out, err := as(admin, "serviceaccounts", "create", "ctl-ci", "--description", "landlordctl e2e"); err != nil {
		t.Fatalf("serviceaccounts create: %v\n%s", err, out)
	}
	out, err := as(admin, "apikeys", "create", "--owner", "serviceaccount:ctl-ci", "--name", "deploy", "-o", "json")
	var created struct {
		APIKey struct{ ID string } `json:"apiKey"`
		Secret string
	}
	if err != nil || json.Unmarshal([]byte(out), &created) != nil || created.Secret == "" {
		t.Fatalf("apikeys create: %v\n%s", err, out)
	}
	if out, err := as(admin, "apikeys", "list", "--owner", "serviceaccount:ctl-ci"); err != nil || !strings.Contains(out, created.APIKey.ID) || strings.Contains(out, created.Secret) {
		t.Errorf("apikeys list (secret must not show): %v\n%s", err, out)
	}

	ci := []string{"--config-dir", filepath.Join(t.TempDir(), "ci")}
	loginArgs := append(ci, "login", "--api-key", created.Secret, "--identity", s.Identity.Target(), "--ca", s.Env.Landlord.CACert)
	if out, err := as(nil, loginArgs...); err != nil {
		t.Fatalf("login --api-key: %v\n%s", err, out)
	}
	if out, err := as(ci, "whoami"); err != nil || !strings.Contains(out, "serviceaccount:ctl-ci") {
		t.Errorf("whoami as the service account: %v\n%s", err, out)
	}
	if out, err := as(admin, "apikeys", "revoke", created.APIKey.ID); err != nil {
		t.Fatalf("revoke: %v\n%s", err, out)
	}
	if _, err := as(nil, loginArgs...); err == nil || !strings.HasPrefix(err.Error(), "UNAUTHENTICATED") {
		t.Errorf("login with a revoked key: %v, want UNAUTHENTICATED", err)
	}
	if out, err := as(admin, "serviceaccounts", "delete", "ctl-ci"); err != nil {
		t.Errorf("serviceaccounts delete: %v\n%s", err, out)
	}
}
