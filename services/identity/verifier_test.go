package identity_test

import (
	"context"
	"os"
	"testing"

	"google.golang.org/grpc/codes"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity"
	"github.com/landlord-dev/landlord/services/identity/internal/oidc"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

// TestOtherServicesVerifyTokensFromTheJWKS is what every other Landlord
// service does: fetch identity's JWKS over HTTPS once and verify tokens
// locally, picking up a rotated key without a restart.
func TestOtherServicesVerifyTokensFromTheJWKS(t *testing.T) {
	id := startIdentity(t, t.TempDir())
	env := devclustertest.Env(t)
	ca, err := os.ReadFile(env.CACert)
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := tokenverify.NewRemoteJWKS(env.Identity.Issuer+oidc.JWKSPath, ca)
	if err != nil {
		t.Fatal(err)
	}
	jwks.MinRefresh = 1 // refetch at once on an unknown kid, for the test
	verifier := &tokenverify.Verifier{Issuer: env.Identity.Issuer, Audience: env.Identity.Audience, Keys: jwks}
	ctx := context.Background()

	token := id.login(t, identity.BootstrapAdmin, id.adminPassword(t), "").GetAccessToken()
	claims, err := verifier.Verify(ctx, token)
	if err != nil || claims.Subject != "user:admin" {
		t.Fatalf("Verify = %v, %v", claims, err)
	}
	// Rotate twice, so the token's key is neither the active nor the next
	// one the verifier saw: it must refetch to know the new active key.
	for range 2 {
		if _, err := identityv1.NewSigningKeyServiceClient(id.conn).RotateSigningKey(bearer(token), &identityv1.RotateSigningKeyRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	fresh := id.login(t, identity.BootstrapAdmin, id.adminPassword(t), "").GetAccessToken()
	if _, err := verifier.Verify(ctx, fresh); err != nil {
		t.Errorf("token of a key rotated in after the first fetch: %v", err)
	}
	if _, err := verifier.Verify(ctx, token); err != nil {
		t.Errorf("token of a retired key: %v", err)
	}
	if _, err := verifier.Verify(ctx, unsigned(fresh)); err == nil {
		t.Error("alg=none token verified")
	}
}

func TestPasswordChanges(t *testing.T) {
	id := startIdentity(t, t.TempDir())
	admin := bearer(id.login(t, identity.BootstrapAdmin, id.adminPassword(t), "").GetAccessToken())
	users := identityv1.NewUserServiceClient(id.conn)
	if _, err := users.CreateUser(admin, &identityv1.CreateUserRequest{User: &identityv1.User{Name: "ivy"}}); err != nil {
		t.Fatal(err)
	}
	// Without a password, nobody can sign in as ivy.
	_, err := identityv1.NewAuthServiceClient(id.conn).Login(context.Background(), &identityv1.LoginRequest{Username: "ivy", Password: "anything at all"})
	code(t, err, codes.Unauthenticated, "login without a password set")

	if _, err := users.SetPassword(admin, &identityv1.SetPasswordRequest{Name: "ivy", NewPassword: "first password of ivy"}); err != nil {
		t.Fatalf("admin reset: %v", err)
	}
	ivy := bearer(id.login(t, "ivy", "first password of ivy", "").GetAccessToken())
	_, err = users.SetPassword(ivy, &identityv1.SetPasswordRequest{Name: "ivy", NewPassword: "second password of ivy", CurrentPassword: "wrong guess"})
	code(t, err, codes.InvalidArgument, "own change with a wrong current password")
	if _, err := users.SetPassword(ivy, &identityv1.SetPasswordRequest{Name: "ivy", NewPassword: "second password of ivy", CurrentPassword: "first password of ivy"}); err != nil {
		t.Fatalf("own change: %v", err)
	}
	id.login(t, "ivy", "second password of ivy", "")
	_, err = users.SetPassword(ivy, &identityv1.SetPasswordRequest{Name: identity.BootstrapAdmin, NewPassword: "taking over the admin"})
	code(t, err, codes.NotFound, "changing another user's password")
	_, err = users.SetPassword(ivy, &identityv1.SetPasswordRequest{Name: "ivy", NewPassword: "short"})
	code(t, err, codes.InvalidArgument, "too short a password")
}
