package integration

import (
	"net/http"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
)

// TestAnAPIKeyIsABearerToken: automation sends its API key as the bearer
// token; the gateway exchanges it and the services see the service
// account. A forged token is refused at the gateway.
func TestAnAPIKeyIsABearerToken(t *testing.T) {
	e := started(t)
	if _, err := identityv1.NewServiceAccountServiceClient(e.stack.Identity).CreateServiceAccount(e.stack.Admin,
		&identityv1.CreateServiceAccountRequest{ServiceAccount: &identityv1.ServiceAccount{Name: "gw-ci"}}); err != nil {
		t.Fatal(err)
	}
	key, err := identityv1.NewApiKeyServiceClient(e.stack.Identity).CreateApiKey(e.stack.Admin, &identityv1.CreateApiKeyRequest{
		ApiKey: &identityv1.ApiKey{Owner: "serviceaccount:gw-ci", ExpireTime: timestamppb.New(time.Now().Add(time.Hour))}})
	if err != nil {
		t.Fatal(err)
	}

	for range 3 { // the second and third use the exchanged token the gateway keeps
		who := e.call(t, http.MethodGet, "/v1/auth:whoami", key.GetSecret(), nil)
		if who.code != http.StatusOK || who.json(t)["subject"] != "serviceaccount:gw-ci" {
			t.Fatalf("whoami with an API key: %d %s", who.code, who.body)
		}
	}
	if bad := e.call(t, http.MethodGet, "/v1/auth:whoami", "llk_notakey", nil); bad.code != http.StatusUnauthorized {
		t.Errorf("a made-up API key: %d %s, want 401", bad.code, bad.body)
	}
	forged := e.call(t, http.MethodGet, "/v1/tenants/"+acme, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c2VyOmFkbWluIn0.", nil)
	if forged.code != http.StatusUnauthorized || reason(t, forged) != "ERROR_REASON_UNAUTHENTICATED" {
		t.Errorf("a forged token: %d %s, want 401 UNAUTHENTICATED", forged.code, forged.body)
	}
}
