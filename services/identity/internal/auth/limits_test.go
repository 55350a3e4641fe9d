package auth

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/peer"

	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/ratelimit"
)

// from is a context whose call came from ip.
func from(ip string) context.Context {
	return peer.NewContext(ctx, &peer.Peer{Addr: &net.TCPAddr{IP: net.ParseIP(ip), Port: 40000}})
}

// TestParallelWrongLoginsAreAllCounted: 2,000 parallel wrong guesses for
// one account (rate limits off, to test the lock-out alone). Each is
// counted before its password is hashed, so exactly the five free ones and
// the one that locks are checked; the other 1,994 are refused unchecked,
// and the right password is refused too until the lock ends.
func TestParallelWrongLoginsAreAllCounted(t *testing.T) {
	svc, _, clk := signIn(t)
	const n = 2000
	var (
		mu               sync.Mutex
		checked, refused int
		unexpected       []error
		wg               sync.WaitGroup
	)
	for range n {
		wg.Go(func() {
			_, err := svc.Login(ctx, "ann", "wrong password", "")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, apierror.ErrUnauthenticated):
				checked++
			case lockedFor(err) > 0:
				refused++
			default:
				unexpected = append(unexpected, err)
			}
		})
	}
	wg.Wait()
	if checked != 6 || refused != n-6 || len(unexpected) > 0 {
		t.Fatalf("checked %d, refused %d, other %v; want 6 checked and %d refused", checked, refused, unexpected, n-6)
	}
	if got := svc.lockout.entries["ann"].count; got != checked {
		t.Errorf("lock-out counted %d attempts, want the %d checked", got, checked)
	}
	if _, err := svc.Login(ctx, "ann", annPassword, ""); lockedFor(err) != 30*time.Second {
		t.Errorf("right password after the flood: %v, want the 30s lock", err)
	}
	clk.advance(30 * time.Second)
	if _, err := svc.Login(ctx, "ann", annPassword, ""); err != nil {
		t.Errorf("right password after the lock: %v", err)
	}
}

// TestSignInCallsAreRateLimited: Login per client address and per account
// name, Refresh, API-key exchange and Logout per address; a refusal carries the
// wait, and other addresses and accounts are not affected.
func TestSignInCallsAreRateLimited(t *testing.T) {
	svc, _, clk := signInLimited(t, Config{
		PerAddress: ratelimit.Rate{PerSecond: 1, Burst: 3},
		PerAccount: ratelimit.Rate{PerSecond: 0.5, Burst: 2},
	})
	a, b, c := from("192.0.2.1"), from("192.0.2.2"), from("192.0.2.3")
	for range 2 {
		if _, err := svc.Login(a, "ann", annPassword, ""); err != nil {
			t.Fatal(err)
		}
	}
	// ann's account is spent, whatever the address.
	if _, err := svc.Login(b, "ann", annPassword, ""); lockedFor(err) != 2*time.Second {
		t.Errorf("ann from another address: %v, want a 2s wait", err)
	}
	if _, err := svc.Login(a, "bob", "whatever", ""); !errors.Is(err, apierror.ErrUnauthenticated) {
		t.Errorf("another account from a: %v", err)
	}
	// a has used its three; refresh and exchange share its bucket.
	if _, err := svc.Refresh(a, "any"); lockedFor(err) != time.Second {
		t.Errorf("refresh from a: %v, want a 1s wait", err)
	}
	if err := svc.Admit(a, ""); lockedFor(err) != time.Second {
		t.Errorf("exchange from a: %v, want a 1s wait", err)
	}
	if err := svc.Logout(a, "any"); lockedFor(err) != time.Second {
		t.Errorf("logout from a: %v, want a 1s wait", err)
	}
	if _, err := svc.Refresh(c, "never-issued"); !errors.Is(err, apierror.ErrUnauthenticated) {
		t.Errorf("refresh from c: %v", err)
	}
	clk.advance(2 * time.Second)
	if _, err := svc.Login(a, "ann", annPassword, ""); err != nil {
		t.Errorf("after the wait: %v", err)
	}
}
