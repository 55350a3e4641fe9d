package device

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/landlord-dev/landlord/services/internal/apierror"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newPending(cfg Config) (*Pending, *clock) {
	clk := &clock{time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	return New(cfg, clk.now), clk
}

var (
	ann = Approval{Subject: "user:ann", UID: "ann-1", SessionID: "s-ann"}
	bob = Approval{Subject: "user:bob", UID: "bob-1", SessionID: "s-bob"}
)

func is(t *testing.T, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}

func limited(t *testing.T, err error, what string) time.Duration {
	t.Helper()
	var rl *apierror.RateLimitedError
	if !errors.As(err, &rl) {
		t.Fatalf("%s: %v, want rate limited", what, err)
	}
	return rl.RetryAfter
}

func TestHonestFlowRedeemsOnce(t *testing.T) {
	p, clk := newPending(Config{})
	s, err := p.Start("10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.DeviceCode) < 40 || len(s.UserCode) != 9 || s.UserCode[4] != '-' || s.ExpiresIn != 10*time.Minute || s.Interval != 5*time.Second {
		t.Fatalf("started %+v", s)
	}
	_, _, err = p.Poll(s.DeviceCode)
	is(t, err, apierror.ErrAuthorizationPending, "poll before approval")
	clk.advance(5 * time.Second)
	// Case and dashes do not matter.
	if err := p.Approve(strings.ToLower(strings.ReplaceAll(s.UserCode, "-", "")), ann, false); err != nil {
		t.Fatal(err)
	}
	is(t, p.Approve(s.UserCode, bob, false), apierror.ErrNotFound, "a second approval, by another user")
	is(t, p.Approve(s.UserCode, ann, false), apierror.ErrNotFound, "a second approval, by the same user")
	a, code, err := p.Poll(s.DeviceCode)
	if err != nil || a != ann || code != s.UserCode {
		t.Fatalf("poll after approval: %+v %q %v", a, code, err)
	}
	clk.advance(5 * time.Second)
	_, _, err = p.Poll(s.DeviceCode)
	is(t, err, apierror.ErrNotFound, "poll after redeeming")
	if p.Len() != 0 {
		t.Errorf("%d logins held after redeeming", p.Len())
	}
}

func TestPollingTooSoonSlowsDown(t *testing.T) {
	p, clk := newPending(Config{})
	s, _ := p.Start("a")
	_, _, err := p.Poll(s.DeviceCode)
	is(t, err, apierror.ErrAuthorizationPending, "first poll")
	clk.advance(time.Second)
	if d := limited(t, firstErr(p.Poll(s.DeviceCode)), "poll after 1s"); d != 10*time.Second {
		t.Errorf("retry after %v, want the interval grown to 10s", d)
	}
	clk.advance(6 * time.Second) // 5s was the old interval: now too soon
	if d := limited(t, firstErr(p.Poll(s.DeviceCode)), "poll after 6s"); d != 15*time.Second {
		t.Errorf("retry after %v, want 15s", d)
	}
	clk.advance(15 * time.Second)
	is(t, firstErr(p.Poll(s.DeviceCode)), apierror.ErrAuthorizationPending, "poll after the grown interval")
}

func firstErr(_ Approval, _ string, err error) error { return err }

func TestExpiredLoginsAreGoneAndSwept(t *testing.T) {
	p, clk := newPending(Config{TTL: time.Minute})
	s, _ := p.Start("a")
	clk.advance(time.Minute)
	is(t, p.Approve(s.UserCode, ann, false), apierror.ErrNotFound, "approving an expired code")
	is(t, firstErr(p.Poll(s.DeviceCode)), apierror.ErrNotFound, "polling an expired login")

	// Approved, then expired before the device redeemed it.
	s, _ = p.Start("a")
	if err := p.Approve(s.UserCode, ann, false); err != nil {
		t.Fatal(err)
	}
	clk.advance(time.Minute)
	is(t, firstErr(p.Poll(s.DeviceCode)), apierror.ErrNotFound, "redeeming an expired approval")

	for range 5 {
		if _, err := p.Start("b"); err != nil {
			t.Fatal(err)
		}
	}
	clk.advance(time.Minute + time.Second)
	p.Sweep()
	if p.Len() != 0 {
		t.Errorf("%d logins held after expiry and a sweep", p.Len())
	}
}

func TestDenied(t *testing.T) {
	p, _ := newPending(Config{})
	s, _ := p.Start("a")
	if err := p.Approve(s.UserCode, ann, true); err != nil {
		t.Fatal(err)
	}
	is(t, p.Approve(s.UserCode, bob, false), apierror.ErrNotFound, "approving a denied login")
	is(t, firstErr(p.Poll(s.DeviceCode)), apierror.ErrPermissionDenied, "polling a denied login")
	is(t, firstErr(p.Poll(s.DeviceCode)), apierror.ErrNotFound, "polling it again")
}

func TestGuessedCodes(t *testing.T) {
	p, _ := newPending(Config{})
	s, _ := p.Start("a")
	is(t, firstErr(p.Poll(s.UserCode)), apierror.ErrNotFound, "polling with the user code")
	is(t, firstErr(p.Poll(s.DeviceCode+"x")), apierror.ErrNotFound, "polling with a changed device code")
	is(t, firstErr(p.Poll("")), apierror.ErrNotFound, "polling with nothing")
	is(t, p.Approve(s.DeviceCode, ann, false), apierror.ErrNotFound, "approving the device code")
}

// TestPendingIsBounded: a flood of starts fills the bound and is refused
// (RESOURCE_EXHAUSTED), one address cannot take more than its share, and
// expired logins make room again.
func TestPendingIsBounded(t *testing.T) {
	p, clk := newPending(Config{MaxPending: 20, MaxPendingPerAddress: 3, TTL: time.Minute})
	var quota *apierror.QuotaExceededError
	for i := range 3 {
		if _, err := p.Start("attacker"); err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
	}
	if _, err := p.Start("attacker"); !errors.As(err, &quota) {
		t.Fatalf("a 4th start from one address: %v", err)
	}
	for i := range 17 {
		if _, err := p.Start(string(rune('a' + i))); err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
	}
	if _, err := p.Start("honest"); !errors.As(err, &quota) {
		t.Fatalf("a start beyond the bound: %v", err)
	}
	if p.Len() != 20 {
		t.Errorf("%d held, want 20", p.Len())
	}
	clk.advance(time.Minute)
	if _, err := p.Start("honest"); err != nil {
		t.Fatalf("after the others expired: %v", err)
	}
	if p.Len() != 1 {
		t.Errorf("%d held after the sweep, want 1", p.Len())
	}
}

// TestGuessingUserCodesIsBounded: an approver who tries wrong codes is
// refused after 5 a minute, even with the right code, until the window
// ends; others are not affected.
func TestGuessingUserCodesIsBounded(t *testing.T) {
	p, clk := newPending(Config{})
	s, _ := p.Start("a")
	for range 5 {
		is(t, p.Approve(newUserCode(), bob, false), apierror.ErrNotFound, "guess")
	}
	if d := limited(t, p.Approve(newUserCode(), bob, false), "6th guess"); d <= 0 || d > time.Minute {
		t.Errorf("retry after %v", d)
	}
	limited(t, p.Approve(s.UserCode, bob, false), "the right code while locked")
	clk.advance(time.Minute)
	is(t, p.Approve(newUserCode(), bob, false), apierror.ErrNotFound, "a guess after the window")
	if err := p.Approve(s.UserCode, ann, false); err != nil {
		t.Fatalf("another user: %v", err)
	}
}

func TestUserCodesAreUniqueAndUnambiguous(t *testing.T) {
	p, _ := newPending(Config{MaxPending: 5000, MaxPendingPerAddress: 5000})
	seen := map[string]bool{}
	for range 5000 {
		s, err := p.Start("a")
		if err != nil {
			t.Fatal(err)
		}
		if seen[s.UserCode] {
			t.Fatalf("user code %s twice among pending logins", s.UserCode)
		}
		seen[s.UserCode] = true
		if strings.ContainsAny(s.UserCode, "01OIL") {
			t.Fatalf("ambiguous symbol in %s", s.UserCode)
		}
	}
}
