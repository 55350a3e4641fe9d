package identity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	metav1 "github.com/landlord-dev/landlord/gen/go/landlord/meta/v1"
	"github.com/landlord-dev/landlord/services/identity"
	"github.com/landlord-dev/landlord/services/identity/internal/device"
	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// deviceUsers starts identity with opts and makes users ann and bob; it
// returns their bearer contexts and the admin's.
func deviceUsers(t *testing.T, opts ...func(*identity.Config)) (id *running, admin, ann, bob context.Context) {
	t.Helper()
	id = startIdentity(t, t.TempDir(), opts...)
	admin = bearer(id.login(t, identity.BootstrapAdmin, id.adminPassword(t), "").GetAccessToken())
	users := identityv1.NewUserServiceClient(id.conn)
	for _, name := range []string{"ann", "bob"} {
		if _, err := users.CreateUser(admin, &identityv1.CreateUserRequest{User: &identityv1.User{Name: name}, Password: name + "'s long password"}); err != nil {
			t.Fatal(err)
		}
	}
	ann = bearer(id.login(t, "ann", "ann's long password", "").GetAccessToken())
	bob = bearer(id.login(t, "bob", "bob's long password", "").GetAccessToken())
	return id, admin, ann, bob
}

func start(t *testing.T, auth identityv1.AuthServiceClient) *identityv1.StartDeviceLoginResponse {
	t.Helper()
	s, err := auth.StartDeviceLogin(context.Background(), &identityv1.StartDeviceLoginRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func poll(auth identityv1.AuthServiceClient, s *identityv1.StartDeviceLoginResponse) (*identityv1.TokenSet, error) {
	resp, err := auth.PollDeviceLogin(context.Background(), &identityv1.PollDeviceLoginRequest{DeviceCode: s.GetDeviceCode()})
	return resp.GetTokens(), err
}

func approve(auth identityv1.AuthServiceClient, as context.Context, userCode string, deny bool) error {
	_, err := auth.ApproveDeviceLogin(as, &identityv1.ApproveDeviceLoginRequest{UserCode: userCode, Deny: deny})
	return err
}

// TestDeviceLoginSignsInTheApproverOnce walks the honest flow over gRPC
// with the real store, and what others try along the way: approving
// without a token, with an API key's token, a code nobody started, a code
// already approved (by another user); polling with a guessed device code
// or too fast; redeeming twice.
func TestDeviceLoginSignsInTheApproverOnce(t *testing.T) {
	id, admin, ann, bob := deviceUsers(t, func(c *identity.Config) { c.DeviceLogin.Interval = time.Second })
	auth := identityv1.NewAuthServiceClient(id.conn)

	s := start(t, auth)
	if len(s.GetDeviceCode()) < 40 || len(s.GetUserCode()) != 9 || s.GetExpiresIn() != 600 || s.GetInterval() != 1 ||
		s.GetVerification() == "" {
		t.Fatalf("started: %v", s)
	}
	_, err := poll(auth, s)
	code(t, err, codes.FailedPrecondition, "poll before approval")
	if r := apierror.Reason(err); r != metav1.ErrorReason_ERROR_REASON_AUTHORIZATION_PENDING {
		t.Errorf("pending reason %v", r)
	}
	_, err = poll(auth, s)
	code(t, err, codes.ResourceExhausted, "poll sooner than the interval")
	if !hasRetryInfo(err) {
		t.Errorf("slow_down without RetryInfo: %v", err)
	}

	code(t, approve(auth, context.Background(), s.GetUserCode(), false), codes.Unauthenticated, "approving without a token")
	code(t, approve(auth, bob, "ABCD-EFGH", false), codes.NotFound, "approving a code nobody started")
	code(t, approve(auth, bob, s.GetDeviceCode(), false), codes.InvalidArgument, "approving with the device code")
	// An API key's token has no session: it may not approve (it would turn a
	// key into a refreshable session).
	key, err := identityv1.NewApiKeyServiceClient(id.conn).CreateApiKey(ann, &identityv1.CreateApiKeyRequest{ApiKey: &identityv1.ApiKey{
		Owner: "user:ann", ExpireTime: timestamppb.New(time.Now().Add(time.Hour))}})
	if err != nil {
		t.Fatal(err)
	}
	exchanged, err := auth.ExchangeApiKey(context.Background(), &identityv1.ExchangeApiKeyRequest{Secret: key.GetSecret()})
	if err != nil {
		t.Fatal(err)
	}
	code(t, approve(auth, bearer(exchanged.GetTokens().GetAccessToken()), s.GetUserCode(), false), codes.PermissionDenied, "approving with an API key's token")

	if err := approve(auth, ann, s.GetUserCode(), false); err != nil {
		t.Fatalf("ann approves: %v", err)
	}
	code(t, approve(auth, bob, s.GetUserCode(), false), codes.NotFound, "bob approving the code ann approved")
	code(t, approve(auth, ann, s.GetUserCode(), true), codes.NotFound, "ann denying it afterwards")
	// One character off the real code (never the real one: its last
	// character may be "A" itself).
	last := "A"
	if strings.HasSuffix(s.GetDeviceCode(), last) {
		last = "B"
	}
	guessed := &identityv1.StartDeviceLoginResponse{DeviceCode: s.GetDeviceCode()[:len(s.GetDeviceCode())-1] + last}
	time.Sleep(2100 * time.Millisecond) // the interval grew to 2s by slow_down
	_, err = poll(auth, guessed)
	code(t, err, codes.NotFound, "polling with a guessed device code")

	tokens, err := poll(auth, s)
	if err != nil {
		t.Fatalf("poll after approval: %v", err)
	}
	who, err := auth.WhoAmI(bearer(tokens.GetAccessToken()), &identityv1.WhoAmIRequest{})
	if err != nil || who.GetSubject() != "user:ann" {
		t.Fatalf("whoami with the device's token: %v %v", who, err)
	}
	if tokens.GetRefreshToken() == "" {
		t.Error("the device got no refresh token")
	}
	if _, err := auth.Refresh(context.Background(), &identityv1.RefreshRequest{RefreshToken: tokens.GetRefreshToken()}); err != nil {
		t.Errorf("refreshing the device's session: %v", err)
	}
	time.Sleep(1100 * time.Millisecond)
	_, err = poll(auth, s)
	code(t, err, codes.NotFound, "redeeming a second time")

	// The audit log names ann for the approval and for the sign-in, and
	// never the device code.
	seen, events := auditLog(t, id, admin)
	resource := "devicelogins/" + s.GetUserCode()
	for _, want := range []string{
		"user:ann /landlord.identity.v1.AuthService/ApproveDeviceLogin " + resource + " OK",
		"user:ann /landlord.identity.v1.AuthService/PollDeviceLogin " + resource + " OK",
	} {
		if seen[want] != 1 {
			t.Errorf("audit log: %q seen %d times", want, seen[want])
		}
	}
	for _, ev := range events {
		if strings.Contains(ev.GetResource(), s.GetDeviceCode()[:12]) {
			t.Errorf("device code in the audit log: %v", ev)
		}
	}
}

// TestDeviceLoginDeniedExpiredAndBounded: a denied login tells the device
// so, once; an expired one is gone for both sides; starts beyond the
// bound of one address are refused; an approver guessing user codes is
// stopped after a few.
func TestDeviceLoginDeniedExpiredAndBounded(t *testing.T) {
	id, _, ann, bob := deviceUsers(t, func(c *identity.Config) {
		c.DeviceLogin = device.Config{TTL: 2 * time.Second, Interval: time.Second, MaxPendingPerAddress: 3}
	})
	auth := identityv1.NewAuthServiceClient(id.conn)

	denied, expiring, third := start(t, auth), start(t, auth), start(t, auth)
	_, err := auth.StartDeviceLogin(context.Background(), &identityv1.StartDeviceLoginRequest{})
	code(t, err, codes.ResourceExhausted, "a 4th pending device login from one address")

	if err := approve(auth, ann, denied.GetUserCode(), true); err != nil {
		t.Fatal(err)
	}
	_, err = poll(auth, denied)
	code(t, err, codes.PermissionDenied, "polling a denied login")
	_, err = poll(auth, third)
	code(t, err, codes.FailedPrecondition, "polling a pending login")

	time.Sleep(2100 * time.Millisecond)
	code(t, approve(auth, ann, expiring.GetUserCode(), false), codes.NotFound, "approving an expired login")
	_, err = poll(auth, expiring)
	code(t, err, codes.NotFound, "polling an expired login")
	start(t, auth) // expired logins made room

	// bob guesses: 5 wrong codes a minute, then even the right one waits.
	// ann already failed once (the expired code): she is not affected.
	fresh := start(t, auth)
	for range 5 {
		code(t, approve(auth, bob, "ZZZZ-ZZZZ", false), codes.NotFound, "a guessed user code")
	}
	err = approve(auth, bob, fresh.GetUserCode(), false)
	code(t, err, codes.ResourceExhausted, "bob after 5 wrong codes")
	if !hasRetryInfo(err) {
		t.Errorf("no RetryInfo: %v", err)
	}
	if err := approve(auth, ann, fresh.GetUserCode(), false); err != nil {
		t.Errorf("ann approving: %v", err)
	}
}
