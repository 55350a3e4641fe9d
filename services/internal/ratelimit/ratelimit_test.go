package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"

	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/ratelimit"
)

var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func retryAfter(err error) time.Duration {
	var rl *apierror.RateLimitedError
	if errors.As(err, &rl) {
		return rl.RetryAfter
	}
	return 0
}

// TestBurstThenRefill: a bucket admits its burst, then tells the caller
// how long to wait, and refills at its rate; other keys are unaffected.
func TestBurstThenRefill(t *testing.T) {
	l := ratelimit.New(ratelimit.Rate{PerSecond: 2, Burst: 3}, 0)
	for i := range 3 {
		if err := l.Allow("10.0.0.1", t0); err != nil {
			t.Fatalf("call %d of the burst: %v", i+1, err)
		}
	}
	err := l.Allow("10.0.0.1", t0)
	if retryAfter(err) != 500*time.Millisecond {
		t.Fatalf("over the burst: %v, want a 500ms wait", err)
	}
	if st, _ := apierror.Status(err); st.Code() != codes.ResourceExhausted {
		t.Errorf("code %v, want RESOURCE_EXHAUSTED", st.Code())
	}
	// A refused call takes no token: the wait does not grow.
	if got := retryAfter(l.Allow("10.0.0.1", t0)); got != 500*time.Millisecond {
		t.Errorf("second refusal waits %v", got)
	}
	if err := l.Allow("10.0.0.2", t0); err != nil {
		t.Errorf("another key: %v", err)
	}
	if err := l.Allow("10.0.0.1", t0.Add(500*time.Millisecond)); err != nil {
		t.Errorf("after the wait: %v", err)
	}
}

func TestZeroRateIsUnlimited(t *testing.T) {
	l := ratelimit.New(ratelimit.Rate{}, 0)
	for range 1000 {
		if err := l.Allow("k", t0); err != nil {
			t.Fatal(err)
		}
	}
	if l.Len() != 0 {
		t.Errorf("an unlimited Limiter keeps %d buckets", l.Len())
	}
}

// TestKeysAreBounded: a spray of fresh keys never grows the map past its
// bound; the least recently used bucket goes first.
func TestKeysAreBounded(t *testing.T) {
	l := ratelimit.New(ratelimit.Rate{PerSecond: 1, Burst: 1}, 100)
	_ = l.Allow("victim", t0)
	for i := range 10_000 {
		_ = l.Allow(fmt.Sprint("spray-", i), t0)
		if i%50 == 0 {
			_ = l.Allow("victim", t0) // in use: stays
		}
	}
	if l.Len() != 100 {
		t.Errorf("buckets = %d, want the bound 100", l.Len())
	}
	if retryAfter(l.Allow("victim", t0)) == 0 {
		t.Error("the bucket in use was evicted: its limit was reset")
	}
}

// TestParallelCallsTakeOneTokenEach: 1,000 parallel calls on one key
// admit exactly the burst.
func TestParallelCallsTakeOneTokenEach(t *testing.T) {
	l := ratelimit.New(ratelimit.Rate{PerSecond: 1, Burst: 10}, 0)
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for range 1000 {
		wg.Go(func() {
			if l.Allow("k", t0) == nil {
				admitted.Add(1)
			}
		})
	}
	wg.Wait()
	if admitted.Load() != 10 {
		t.Errorf("admitted %d, want 10", admitted.Load())
	}
}

func TestClientAddressDropsThePort(t *testing.T) {
	for _, c := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 51234}, "192.0.2.7"},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 443}, "2001:db8::1"},
		{&net.UnixAddr{Name: "/run/identity.sock", Net: "unix"}, "/run/identity.sock"},
	} {
		ctx := peer.NewContext(context.Background(), &peer.Peer{Addr: c.addr})
		if got := ratelimit.ClientAddress(ctx); got != c.want {
			t.Errorf("%v: %q, want %q", c.addr, got, c.want)
		}
	}
	if got := ratelimit.ClientAddress(context.Background()); got != "" {
		t.Errorf("no peer: %q", got)
	}
}
