package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// fakeDevice answers polls from a script of errors, then with tokens.
type fakeDevice struct {
	polls []error
	n     int
}

func (f *fakeDevice) StartDeviceLogin(context.Context, *identityv1.StartDeviceLoginRequest, ...grpc.CallOption) (*identityv1.StartDeviceLoginResponse, error) {
	return &identityv1.StartDeviceLoginResponse{DeviceCode: "secret", UserCode: "ABCD-EFGH", ExpiresIn: 60, Interval: 5}, nil
}

func (f *fakeDevice) PollDeviceLogin(_ context.Context, req *identityv1.PollDeviceLoginRequest, _ ...grpc.CallOption) (*identityv1.PollDeviceLoginResponse, error) {
	if req.GetDeviceCode() != "secret" {
		return nil, status.Error(codes.NotFound, "unknown")
	}
	f.n++
	if f.n <= len(f.polls) {
		return nil, f.polls[f.n-1]
	}
	return &identityv1.PollDeviceLoginResponse{Tokens: &identityv1.TokenSet{AccessToken: "at"}}, nil
}

func statusOf(err error) error { st, _ := apierror.Status(err); return st.Err() }

// run runs a device login against f on a fake clock; it returns the
// waits, the output and the outcome.
func run(f *fakeDevice) ([]time.Duration, string, *identityv1.TokenSet, error) {
	var out bytes.Buffer
	a := &app{out: &out}
	clock := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var waits []time.Duration
	ts, err := a.deviceLogin(context.Background(), f, func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		clock = clock.Add(d)
		return nil
	}, func() time.Time { return clock })
	return waits, out.String(), ts, err
}

func TestDeviceLoginPollsAndSlowsDown(t *testing.T) {
	pending := statusOf(apierror.ErrAuthorizationPending)
	slow := statusOf(&apierror.RateLimitedError{RetryAfter: 10 * time.Second})
	waits, out, ts, err := run(&fakeDevice{polls: []error{pending, slow, pending}})
	if err != nil || ts.GetAccessToken() != "at" {
		t.Fatalf("login: %v %v", ts, err)
	}
	want := []time.Duration{5 * time.Second, 5 * time.Second, 10 * time.Second, 10 * time.Second}
	if len(waits) != len(want) {
		t.Fatalf("waits %v, want %v", waits, want)
	}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits %v, want %v", waits, want)
		}
	}
	if !strings.Contains(out, "landlordctl login approve ABCD-EFGH") || !strings.Contains(out, "/v1/auth/device:approve") || strings.Contains(out, "secret") {
		t.Errorf("output:\n%s", out)
	}
}

func TestDeviceLoginStopsAtExpiryAndDenial(t *testing.T) {
	pending := statusOf(apierror.ErrAuthorizationPending)
	always := make([]error, 100)
	for i := range always {
		always[i] = pending
	}
	waits, _, _, err := run(&fakeDevice{polls: always})
	if !errors.Is(err, errDeviceExpired) || len(waits) != 11 {
		t.Errorf("never approved: %v after %d polls, want expiry after 11", err, len(waits))
	}
	_, _, _, err = run(&fakeDevice{polls: []error{pending, statusOf(apierror.ErrPermissionDenied)}})
	if !errors.Is(err, errDeviceDenied) {
		t.Errorf("denied: %v", err)
	}
	_, _, _, err = run(&fakeDevice{polls: []error{statusOf(apierror.ErrNotFound)}})
	if !errors.Is(err, errDeviceExpired) {
		t.Errorf("gone: %v", err)
	}
	_, _, _, err = run(&fakeDevice{polls: []error{statusOf(apierror.ErrUnavailable)}})
	if status.Code(err) != codes.Unavailable {
		t.Errorf("unavailable: %v", err)
	}
}

func TestDeviceFlagsExclusive(t *testing.T) {
	var out bytes.Buffer
	root := New(nil, &out, &out)
	root.SetArgs([]string{"--config-dir", t.TempDir(), "login", "--device", "-u", "ann"})
	if err := root.Execute(); err == nil || !strings.Contains(err.Error(), "--device") {
		t.Errorf("--device with -u: %v", err)
	}
	root = New(nil, &out, &out)
	root.SetArgs([]string{"--config-dir", t.TempDir(), "login", "approve", "ABCD-EFGH"})
	if err := root.Execute(); err == nil || !strings.Contains(err.Error(), "login") {
		t.Errorf("approve without a login: %v", err)
	}
}
