package identity_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity"
)

// TestAStolenTokenCannotGuessThePasswordThroughSetPassword: whoever holds
// a user's access token can call SetPassword with guesses of the current
// password. Those guesses count against the same lock-out as Login's, so
// after the free ones both are refused, even with the right password.
func TestAStolenTokenCannotGuessThePasswordThroughSetPassword(t *testing.T) {
	id := startIdentity(t, t.TempDir())
	admin := bearer(id.login(t, identity.BootstrapAdmin, id.adminPassword(t), "").GetAccessToken())
	users := identityv1.NewUserServiceClient(id.conn)
	const pw = "the real password of una"
	if _, err := users.CreateUser(admin, &identityv1.CreateUserRequest{User: &identityv1.User{Name: "una"}, Password: pw}); err != nil {
		t.Fatal(err)
	}
	stolen := bearer(id.login(t, "una", pw, "").GetAccessToken())
	guess := func(current string) error {
		_, err := users.SetPassword(stolen, &identityv1.SetPasswordRequest{Name: "una", NewPassword: "the thief's new password", CurrentPassword: current})
		return err
	}
	for range 6 {
		code(t, guess("a wrong guess"), codes.InvalidArgument, "a wrong guess of the current password")
	}
	err := guess("another wrong guess")
	code(t, err, codes.ResourceExhausted, "a guess once the name is locked")
	if !hasRetryInfo(err) {
		t.Errorf("lock-out without RetryInfo: %v", err)
	}
	code(t, guess(pw), codes.ResourceExhausted, "the right password during the lock")
	_, err = identityv1.NewAuthServiceClient(id.conn).Login(context.Background(), &identityv1.LoginRequest{Username: "una", Password: pw})
	code(t, err, codes.ResourceExhausted, "Login during a lock SetPassword's guesses caused")
}
