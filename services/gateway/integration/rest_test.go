package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
)

const password = "correct horse battery staple"

// user creates a user (over gRPC, as admin) and logs it in over REST.
func (e *env) user(t *testing.T, name string) string {
	t.Helper()
	if _, err := identityv1.NewUserServiceClient(e.stack.Identity).CreateUser(e.stack.Admin, &identityv1.CreateUserRequest{
		User: &identityv1.User{Name: name}, Password: password}); err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	resp := e.call(t, http.MethodPost, "/v1/auth:login", "", map[string]string{"username": name, "password": password})
	if resp.code != http.StatusOK {
		t.Fatalf("login %s over REST: %d %s", name, resp.code, resp.body)
	}
	token, _ := resp.json(t)["tokens"].(map[string]any)["accessToken"].(string)
	if token == "" {
		t.Fatalf("login %s: no access token in %s", name, resp.body)
	}
	return token
}

// reason is the ErrorInfo reason of a google.rpc.Status body.
func reason(t *testing.T, r response) string {
	t.Helper()
	details, _ := r.json(t)["details"].([]any)
	for _, d := range details {
		if m := d.(map[string]any); m["@type"] == "type.googleapis.com/google.rpc.ErrorInfo" {
			return m["reason"].(string)
		}
	}
	return ""
}

func TestLoginCreateAndGetATenantOverREST(t *testing.T) {
	e := started(t)
	alice := e.user(t, "gw-alice")

	created := e.call(t, http.MethodPost, "/v1/tenants", e.admin,
		map[string]any{"name": acme, "plan": "standard", "namespaces": []map[string]string{{"name": "web"}}},
		"X-Request-Id", "gw-test-create")
	if created.code != http.StatusOK {
		t.Fatalf("create: %d %s", created.code, created.body)
	}
	if id := created.header.Get("X-Request-Id"); id != "gw-test-create" {
		t.Errorf("X-Request-Id echoed as %q", id)
	}
	got := e.call(t, http.MethodGet, "/v1/tenants/"+acme, e.admin, nil)
	if got.code != http.StatusOK || got.json(t)["tenant"].(map[string]any)["name"] != acme {
		t.Fatalf("get as admin: %d %s", got.code, got.body)
	}
	if got.header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id made for a request without one")
	}

	// Not yours = not found, with the same google.rpc.Status body.
	hidden := e.call(t, http.MethodGet, "/v1/tenants/"+acme, alice, nil)
	if hidden.code != http.StatusNotFound || hidden.json(t)["code"] != float64(5) || reason(t, hidden) != "ERROR_REASON_NOT_FOUND" {
		t.Errorf("get as non-member: %d %s", hidden.code, hidden.body)
	}
	// No token: the service refuses, the gateway passes that on.
	if anon := e.call(t, http.MethodGet, "/v1/tenants/"+acme, "", nil); anon.code != http.StatusUnauthorized {
		t.Errorf("get without a token: %d %s", anon.code, anon.body)
	}
}

func TestBadRequestsAre400NamingTheField(t *testing.T) {
	e := started(t)
	resp := e.call(t, http.MethodPost, "/v1/tenants", e.admin, map[string]any{"name": "Not_A_Name", "plan": "standard"})
	if resp.code != http.StatusBadRequest || reason(t, resp) != "ERROR_REASON_INVALID_ARGUMENT" {
		t.Fatalf("bad name: %d %s", resp.code, resp.body)
	}
	if !strings.Contains(string(resp.body), "tenant.name") {
		t.Errorf("body does not name tenant.name: %s", resp.body)
	}
}

func TestHealthReadinessAndOpenAPI(t *testing.T) {
	e := started(t)
	if r := e.call(t, http.MethodGet, "/healthz", "", nil); r.code != http.StatusOK {
		t.Errorf("/healthz: %d %s", r.code, r.body)
	}
	ready := e.call(t, http.MethodGet, "/readyz", "", nil)
	if ready.code != http.StatusOK || ready.json(t)["ready"] != true {
		t.Errorf("/readyz: %d %s", ready.code, ready.body)
	}
	// The gateway measures its calls to the services (otelgrpc).
	m, err := e.client.Get(e.metrics)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(m.Body)
	m.Body.Close()
	if !strings.Contains(string(body), "rpc_client_") {
		t.Errorf("/metrics has no rpc_client_ metrics: %.500s", body)
	}
	doc := e.call(t, http.MethodGet, "/openapi.json", "", nil)
	var openapi struct {
		OpenAPI string
		Paths   map[string]json.RawMessage
	}
	if err := json.Unmarshal(doc.body, &openapi); err != nil || doc.code != http.StatusOK || !strings.HasPrefix(openapi.OpenAPI, "3.") {
		t.Fatalf("/openapi.json: %d %v, OpenAPI %q", doc.code, err, openapi.OpenAPI)
	}
	if v2 := e.call(t, http.MethodGet, "/openapi/v2.json", "", nil); v2.code != http.StatusOK || v2.json(t)["swagger"] != "2.0" {
		t.Errorf("/openapi/v2.json: %d", v2.code)
	}
	if page := e.call(t, http.MethodGet, "/docs", "", nil); page.code != http.StatusOK || !strings.Contains(string(page.body), "/openapi.json") {
		t.Errorf("/docs: %d", page.code)
	}
	for _, path := range []string{"/v1/tenants", "/v1/auth:login", "/v1/plans", "/v1/tenants/{tenant}/usage"} {
		if _, ok := openapi.Paths[path]; !ok {
			t.Errorf("/openapi.json has no path %s", path)
		}
	}
}

// TestMembersIsMemberships: /v1/tenants/{tenant}/members answers as
// .../memberships does, for setting, listing and removing.
func TestMembersIsMemberships(t *testing.T) {
	e := started(t)
	e.user(t, "gw-mia")
	if r := e.call(t, http.MethodPost, "/v1/tenants", e.admin, map[string]any{"name": "gw-members", "plan": "standard"}); r.code != http.StatusOK {
		t.Fatalf("create: %d %s", r.code, r.body)
	}
	set := e.call(t, http.MethodPut, "/v1/tenants/gw-members/members/user:gw-mia", e.admin, map[string]any{"role": "ROLE_VIEWER"})
	if set.code != http.StatusOK {
		t.Fatalf("PUT .../members/user:gw-mia: %d %s", set.code, set.body)
	}
	members := e.call(t, http.MethodGet, "/v1/tenants/gw-members/members", e.admin, nil)
	memberships := e.call(t, http.MethodGet, "/v1/tenants/gw-members/memberships", e.admin, nil)
	if members.code != http.StatusOK || string(members.body) != string(memberships.body) || !strings.Contains(string(members.body), "user:gw-mia") {
		t.Errorf("members %d %s\nmemberships %d %s", members.code, members.body, memberships.code, memberships.body)
	}
	if r := e.call(t, http.MethodDelete, "/v1/tenants/gw-members/members/user:gw-mia", e.admin, nil); r.code != http.StatusOK {
		t.Errorf("DELETE .../members/user:gw-mia: %d %s", r.code, r.body)
	}
	if r := e.call(t, http.MethodGet, "/v1/tenants/gw-members/members", e.admin, nil); strings.Contains(string(r.body), "gw-mia") {
		t.Errorf("still a member after DELETE: %s", r.body)
	}
}

// TestAuthPathsUnderSlashToo: /v1/auth/login is /v1/auth:login, and so on
// for refresh, logout, whoami and the API key exchange.
func TestAuthPathsUnderSlashToo(t *testing.T) {
	e := started(t)
	e.user(t, "gw-sam")
	login := e.call(t, http.MethodPost, "/v1/auth/login", "", map[string]string{"username": "gw-sam", "password": password})
	if login.code != http.StatusOK {
		t.Fatalf("POST /v1/auth/login: %d %s", login.code, login.body)
	}
	tokens := login.json(t)["tokens"].(map[string]any)
	if who := e.call(t, http.MethodGet, "/v1/auth/whoami", tokens["accessToken"].(string), nil); who.code != http.StatusOK || who.json(t)["subject"] != "user:gw-sam" {
		t.Errorf("GET /v1/auth/whoami: %d %s", who.code, who.body)
	}
	if r := e.call(t, http.MethodPost, "/v1/auth/refresh", "", map[string]any{"refreshToken": tokens["refreshToken"]}); r.code != http.StatusOK {
		t.Errorf("POST /v1/auth/refresh: %d %s", r.code, r.body)
	}
}
