package password

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// TestLimiterBoundsMemoryAndQueue: runs beyond the budget wait, a full
// queue refuses at once with a retry delay, a cancelled waiter leaves the
// queue, and a released share lets the next one in.
func TestLimiterBoundsMemoryAndQueue(t *testing.T) {
	l := newLimiter(3*1024, 2) // three 1 MiB runs, two waiting
	var releases []func()
	for range 3 {
		r, err := l.acquire(context.Background(), 1024)
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, r)
	}
	admitted := make(chan error, 1)
	go func() {
		r, err := l.acquire(context.Background(), 1024)
		if err == nil {
			defer r()
		}
		admitted <- err
	}()
	cancelled, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() { _, err := l.acquire(cancelled, 1024); gaveUp <- err }()
	waitFor(t, func() bool { return l.waiting.Load() == 2 })

	_, err := l.acquire(context.Background(), 1024)
	var limited *apierror.RateLimitedError
	if !errors.Is(err, ErrBusy) || !errors.As(err, &limited) || limited.RetryAfter <= 0 || !Limited(err) {
		t.Fatalf("with the queue full: %v, want ErrBusy with a retry delay", err)
	}
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) || !Limited(err) {
		t.Errorf("cancelled waiter: %v", err)
	}
	waitFor(t, func() bool { return l.waiting.Load() == 1 })
	select {
	case err := <-admitted:
		t.Fatalf("admitted beyond the budget: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	releases[0]()
	if err := <-admitted; err != nil {
		t.Fatalf("waiter after a release: %v", err)
	}
	releases[1]()
	releases[2]()
	// A run larger than the whole budget runs alone instead of never.
	r, err := l.acquire(context.Background(), 10*1024)
	if err != nil {
		t.Fatalf("oversized run: %v", err)
	}
	if l.sem.TryAcquire(1) {
		t.Error("an oversized run left room for another")
	}
	r()
}

// TestHasherWaitsWithinTheBudget: many parallel hashes through a budget of
// two all finish; a caller whose context ends while waiting gets its error.
func TestHasherWaitsWithinTheBudget(t *testing.T) {
	p := Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 16}
	h, err := NewHasher(p, 2, 100)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 50)
	for range 50 {
		go func() { _, err := h.Hash(context.Background(), "pw"); errs <- err }()
	}
	for range 50 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	full, err := h.limit.acquire(context.Background(), 2*1024)
	if err != nil {
		t.Fatal(err)
	}
	defer full()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := h.Verify(ctx, "pw", hash("pw", p)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("verify while the budget is spent: %v, want the deadline", err)
	}
	if err := h.VerifyDummy(ctx, "pw"); !Limited(err) {
		t.Errorf("dummy verify while the budget is spent: %v, want a Limited error", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
	}
}
