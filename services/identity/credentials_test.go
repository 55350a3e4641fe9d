package identity_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity"
)

// TestCredentialsDieWithTheirOwner: deleting a user ends its API keys,
// refresh tokens and access tokens (in identity) at once; a user created
// again under the name is a new account that inherits no key, session or
// membership, and the old credentials stay dead.
func TestCredentialsDieWithTheirOwner(t *testing.T) {
	id := startIdentity(t, t.TempDir())
	admin := bearer(id.login(t, identity.BootstrapAdmin, id.adminPassword(t), "").GetAccessToken())
	users := identityv1.NewUserServiceClient(id.conn)
	members := identityv1.NewMembershipServiceClient(id.conn)
	keys := identityv1.NewApiKeyServiceClient(id.conn)
	auth := identityv1.NewAuthServiceClient(id.conn)
	checks := identityv1.NewAuthorizationServiceClient(id.conn)

	createAnn := func(pw string) {
		t.Helper()
		if _, err := users.CreateUser(admin, &identityv1.CreateUserRequest{User: &identityv1.User{Name: "ann"}, Password: pw}); err != nil {
			t.Fatal(err)
		}
	}
	createAnn("ann's first password")
	if _, err := members.SetMembership(admin, &identityv1.SetMembershipRequest{Membership: &identityv1.Membership{
		Tenant: "acme", Subject: "user:ann", Role: identityv1.Role_ROLE_OWNER}}); err != nil {
		t.Fatal(err)
	}
	old := id.login(t, "ann", "ann's first password", "")
	key, err := keys.CreateApiKey(bearer(old.GetAccessToken()), &identityv1.CreateApiKeyRequest{ApiKey: &identityv1.ApiKey{
		Owner: "user:ann", ExpireTime: timestamppb.New(time.Now().Add(24 * time.Hour))}})
	if err != nil {
		t.Fatal(err)
	}
	refreshed, err := auth.Refresh(context.Background(), &identityv1.RefreshRequest{RefreshToken: old.GetRefreshToken()})
	if err != nil {
		t.Fatal(err)
	}
	oldAccess, oldRefresh := refreshed.GetTokens().GetAccessToken(), refreshed.GetTokens().GetRefreshToken()
	allowed := func(token string) bool {
		t.Helper()
		resp, err := checks.Check(admin, &identityv1.CheckRequest{Principal: &identityv1.CheckRequest_Token{Token: token},
			Tenant: "acme", Permission: identityv1.Permission_PERMISSION_TENANT_GET})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetAllowed()
	}
	if !allowed(oldAccess) {
		t.Fatal("the owner's token is denied on its tenant before anything happened")
	}

	dead := func(when string) {
		t.Helper()
		_, err := auth.ExchangeApiKey(context.Background(), &identityv1.ExchangeApiKeyRequest{Secret: key.GetSecret()})
		code(t, err, codes.Unauthenticated, "the old ann's API key "+when)
		_, err = auth.Refresh(context.Background(), &identityv1.RefreshRequest{RefreshToken: oldRefresh})
		code(t, err, codes.Unauthenticated, "the old ann's refresh token "+when)
		_, err = auth.WhoAmI(bearer(oldAccess), &identityv1.WhoAmIRequest{})
		code(t, err, codes.Unauthenticated, "the old ann's access token in identity "+when)
		if allowed(oldAccess) {
			t.Errorf("Check allows the old ann's access token %s", when)
		}
	}
	if _, err := users.DeleteUser(admin, &identityv1.DeleteUserRequest{Name: "ann"}); err != nil {
		t.Fatal(err)
	}
	dead("after the deletion")

	createAnn("ann's second password")
	dead("after the name was taken again")
	listed, err := keys.ListApiKeys(admin, &identityv1.ListApiKeysRequest{Owner: "user:ann"})
	if err != nil || len(listed.GetApiKeys()) != 0 {
		t.Errorf("the new ann's keys = %v, %v; want none", listed.GetApiKeys(), err)
	}
	acme, err := members.ListMemberships(admin, &identityv1.ListMembershipsRequest{Tenant: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range acme.GetMemberships() {
		if m.GetSubject() == "user:ann" {
			t.Errorf("the new ann inherits %v", m)
		}
	}
	fresh := id.login(t, "ann", "ann's second password", "")
	who, err := auth.WhoAmI(bearer(fresh.GetAccessToken()), &identityv1.WhoAmIRequest{})
	if err != nil || len(who.GetMemberships()) != 0 {
		t.Errorf("the new ann: %v, %v; want no memberships", who, err)
	}
	_, err = members.ListMemberships(bearer(fresh.GetAccessToken()), &identityv1.ListMembershipsRequest{Tenant: "acme"})
	code(t, err, codes.NotFound, "the new ann listing the old ann's tenant")
}

// TestChangingAPasswordEndsTheOtherSessions: a user who changes its
// password keeps the session it changed it from and loses the others; an
// admin's reset ends them all.
func TestChangingAPasswordEndsTheOtherSessions(t *testing.T) {
	id := startIdentity(t, t.TempDir())
	admin := bearer(id.login(t, identity.BootstrapAdmin, id.adminPassword(t), "").GetAccessToken())
	users := identityv1.NewUserServiceClient(id.conn)
	auth := identityv1.NewAuthServiceClient(id.conn)
	if _, err := users.CreateUser(admin, &identityv1.CreateUserRequest{User: &identityv1.User{Name: "dan"}, Password: "dan's first password"}); err != nil {
		t.Fatal(err)
	}
	laptop := id.login(t, "dan", "dan's first password", "")
	phone := id.login(t, "dan", "dan's first password", "")
	refresh := func(tokens *identityv1.TokenSet) (*identityv1.TokenSet, error) {
		resp, err := auth.Refresh(context.Background(), &identityv1.RefreshRequest{RefreshToken: tokens.GetRefreshToken()})
		return resp.GetTokens(), err
	}

	if _, err := users.SetPassword(bearer(laptop.GetAccessToken()), &identityv1.SetPasswordRequest{
		Name: "dan", CurrentPassword: "dan's first password", NewPassword: "dan's second password"}); err != nil {
		t.Fatal(err)
	}
	_, err := refresh(phone)
	code(t, err, codes.Unauthenticated, "the other session's refresh token after a password change")
	laptop, err = refresh(laptop)
	if err != nil {
		t.Fatalf("the session that changed the password: %v", err)
	}

	if _, err := users.SetPassword(admin, &identityv1.SetPasswordRequest{Name: "dan", NewPassword: "dan's third password"}); err != nil {
		t.Fatal(err)
	}
	_, err = refresh(laptop)
	code(t, err, codes.Unauthenticated, "a refresh token after an admin's reset")
	id.login(t, "dan", "dan's third password", "")
}

// TestCreatingAnAPIKeyNeedsAFreshLogin: with a 2s window, a token from a
// login 3s ago cannot create a key, nor can its refreshed successor (a
// refresh is not a login), a platform admin's, or a token from an API
// key; a fresh login can.
func TestCreatingAnAPIKeyNeedsAFreshLogin(t *testing.T) {
	id := startIdentity(t, t.TempDir(), func(c *identity.Config) { c.ApiKeyFreshAuth = 2 * time.Second })
	adminPW := id.adminPassword(t)
	admin := id.login(t, identity.BootstrapAdmin, adminPW, "")
	keys := identityv1.NewApiKeyServiceClient(id.conn)
	auth := identityv1.NewAuthServiceClient(id.conn)
	tomorrow := timestamppb.New(time.Now().Add(24 * time.Hour))
	create := func(token string) (*identityv1.CreateApiKeyResponse, error) {
		return keys.CreateApiKey(bearer(token), &identityv1.CreateApiKeyRequest{ApiKey: &identityv1.ApiKey{Owner: "user:admin", ExpireTime: tomorrow}})
	}
	key, err := create(admin.GetAccessToken())
	if err != nil {
		t.Fatalf("a key right after the login: %v", err)
	}

	time.Sleep(3 * time.Second)
	_, err = create(admin.GetAccessToken())
	code(t, err, codes.FailedPrecondition, "a platform admin's key 3s after the login")
	refreshed, err := auth.Refresh(context.Background(), &identityv1.RefreshRequest{RefreshToken: admin.GetRefreshToken()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = create(refreshed.GetTokens().GetAccessToken())
	code(t, err, codes.FailedPrecondition, "a key with a just-refreshed token of that login")
	exchanged, err := auth.ExchangeApiKey(context.Background(), &identityv1.ExchangeApiKeyRequest{Secret: key.GetSecret()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = create(exchanged.GetTokens().GetAccessToken())
	code(t, err, codes.FailedPrecondition, "a key made with an API key's token")

	if _, err := create(id.login(t, identity.BootstrapAdmin, adminPW, "").GetAccessToken()); err != nil {
		t.Errorf("a key right after a new login: %v", err)
	}
}

// TestOnlyProvisioningDeletesATenantsMemberships: the RPC that empties a
// tenant answers PERMISSION_DENIED to every token, a platform admin's
// included, and changes nothing.
func TestOnlyProvisioningDeletesATenantsMemberships(t *testing.T) {
	id := startIdentity(t, t.TempDir())
	admin := bearer(id.login(t, identity.BootstrapAdmin, id.adminPassword(t), "").GetAccessToken())
	members := identityv1.NewMembershipServiceClient(id.conn)
	if _, err := members.SetMembership(admin, &identityv1.SetMembershipRequest{Membership: &identityv1.Membership{
		Tenant: "acme", Subject: "user:admin", Role: identityv1.Role_ROLE_OWNER}}); err != nil {
		t.Fatal(err)
	}
	_, err := members.DeleteTenantMemberships(admin, &identityv1.DeleteTenantMembershipsRequest{Tenant: "acme"})
	code(t, err, codes.PermissionDenied, "a platform admin deleting a tenant's memberships")
	_, err = members.DeleteTenantMemberships(context.Background(), &identityv1.DeleteTenantMembershipsRequest{Tenant: "acme"})
	code(t, err, codes.PermissionDenied, "an anonymous caller deleting a tenant's memberships")
	listed, err := members.ListMemberships(admin, &identityv1.ListMembershipsRequest{Tenant: "acme"})
	if err != nil || len(listed.GetMemberships()) != 1 {
		t.Errorf("acme's memberships after the refused calls = %v, %v", listed.GetMemberships(), err)
	}
}
