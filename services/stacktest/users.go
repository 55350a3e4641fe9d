package stacktest

import (
	"context"
	"testing"

	"google.golang.org/grpc/metadata"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
)

// Login signs a user in and returns the access token.
func (s *Stack) Login(user, password string) (string, error) {
	resp, err := identityv1.NewAuthServiceClient(s.Identity).Login(context.Background(),
		&identityv1.LoginRequest{Username: user, Password: password})
	return resp.GetTokens().GetAccessToken(), err
}

// Member makes a user holding role in tenant (no role if tenant is empty)
// and returns a context carrying its token.
func (s *Stack) Member(t testing.TB, user, tenant string, role identityv1.Role) context.Context {
	t.Helper()
	const pw = "correct horse battery staple"
	if _, err := identityv1.NewUserServiceClient(s.Identity).CreateUser(s.Admin, &identityv1.CreateUserRequest{
		User: &identityv1.User{Name: user}, Password: pw}); err != nil {
		t.Fatalf("create user %s: %v", user, err)
	}
	if tenant != "" {
		if _, err := identityv1.NewMembershipServiceClient(s.Identity).SetMembership(s.Admin, &identityv1.SetMembershipRequest{
			Membership: &identityv1.Membership{Tenant: tenant, Subject: "user:" + user, Role: role}}); err != nil {
			t.Fatalf("membership of %s: %v", user, err)
		}
	}
	token, err := s.Login(user, pw)
	if err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	return Bearer(token)
}

// Bearer is a context that sends token.
func Bearer(token string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
}
