package audit_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/audit"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/identity/internal/store/storetest"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/grpcmw"
)

var ctx = context.Background()

const login = "/landlord.identity.v1.AuthService/Login"

// countingStore counts write transactions: each is a synced write.
type countingStore struct {
	store.Store
	writes atomic.Int64
}

func (s *countingStore) Write(ctx context.Context, fn func(store.Tx) error) error {
	s.writes.Add(1)
	return s.Store.Write(ctx, fn)
}

// clock is the log's time, moved by the tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newLog(t *testing.T, r audit.Retention) (*audit.Log, *countingStore, *clock) {
	s := &countingStore{Store: storetest.Bolt(t)}
	clk := &clock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	return &audit.Log{Store: s, Now: clk.now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Retention: r}, s, clk
}

// all lists every stored event, newest first.
func all(t *testing.T, l *audit.Log) []*identityv1.AuditEvent {
	t.Helper()
	var out []*identityv1.AuditEvent
	for token := ""; ; {
		evs, next, err := l.List(ctx, 1000, token)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, evs...)
		if next == "" {
			return out
		}
		token = next
	}
}

func loginCall(user string, err error) grpcmw.AuditedCall {
	return grpcmw.AuditedCall{Method: login, Request: &identityv1.LoginRequest{Username: user}, Err: err}
}

// TestFailedAnonymousCallsAreSummed: 1,000 failed anonymous logins, 900 of
// them for one account and 100 for fresh names, cost no write until the
// flush, which writes them as a bounded number of summary events in one
// transaction whose counts add up to 1,000. Successful and authenticated
// calls are still written one by one.
func TestFailedAnonymousCallsAreSummed(t *testing.T) {
	l, s, clk := newLog(t, audit.Retention{})
	bad := fmt.Errorf("wrong username or password: %w", apierror.ErrUnauthenticated)
	var wg sync.WaitGroup
	for i := range 1000 {
		user := "ann"
		if i%10 == 0 {
			user = fmt.Sprint("spray-", i)
		}
		wg.Go(func() { l.Audit(ctx, loginCall(user, bad)) })
	}
	wg.Wait()
	if n := s.writes.Load(); n != 0 {
		t.Fatalf("%d writes before the flush, want none", n)
	}
	l.Flush(ctx)
	if n := s.writes.Load(); n != 1 {
		t.Errorf("%d writes for the flush, want 1", n)
	}
	evs := all(t, l)
	var sum int64
	for _, ev := range evs {
		if ev.GetActor() != "" || ev.GetRequestId() != "" || ev.GetCode() != "UNAUTHENTICATED" {
			t.Errorf("summary event %v", ev)
		}
		sum += ev.GetCount()
	}
	if sum != 1000 || len(evs) > 101 {
		t.Errorf("%d summary events counting %d calls; want at most 101 counting 1000", len(evs), sum)
	}
	l.Flush(ctx) // nothing new: no write
	if n := s.writes.Load(); n != 1 {
		t.Errorf("an empty flush wrote: %d writes", n)
	}

	clk.advance(time.Second)
	l.Audit(ctx, loginCall("ann", nil))
	clk.advance(time.Second)
	l.Audit(ctx, grpcmw.AuditedCall{Method: "/landlord.identity.v1.UserService/CreateUser", Actor: "user:bob",
		Request: &identityv1.CreateUserRequest{User: &identityv1.User{Name: "eve"}}, Err: apierror.ErrPermissionDenied})
	if n := s.writes.Load(); n != 3 {
		t.Errorf("%d writes after a login and an authenticated refusal, want one each", n-1)
	}
	if evs := all(t, l); len(evs) < 2 || evs[0].GetActor() != "user:bob" || evs[1].GetResource() != "users/ann" {
		t.Errorf("newest events %v", evs[:2])
	}
}

// TestRetentionDeletesByAgeAndCount: Trim deletes events older than the
// maximum age, then the oldest beyond the maximum count.
func TestRetentionDeletesByAgeAndCount(t *testing.T) {
	l, _, clk := newLog(t, audit.Retention{MaxAge: time.Hour, MaxEvents: 5})
	for i := range 12 {
		l.Audit(ctx, grpcmw.AuditedCall{Method: login, Actor: fmt.Sprint("user:u", i), Request: &identityv1.LoginRequest{}})
		clk.advance(10 * time.Minute)
	}
	// Now is 120 min after the first event: u0..u5 are older than an hour.
	l.Trim(ctx)
	evs := all(t, l)
	if len(evs) != 5 || evs[0].GetActor() != "user:u11" || evs[4].GetActor() != "user:u7" {
		t.Fatalf("after trim: %d events, newest %v", len(evs), evs)
	}
	clk.advance(2 * time.Hour)
	l.Trim(ctx)
	if evs := all(t, l); len(evs) != 0 {
		t.Errorf("after everything aged out: %d events", len(evs))
	}
}

// TestRunCountsTrimsAndFlushesOnStop: Run counts the events already
// stored, trims beyond the maximum at once, and flushes pending summaries
// when stopped.
func TestRunCountsTrimsAndFlushesOnStop(t *testing.T) {
	l, s, _ := newLog(t, audit.Retention{MaxEvents: 3, FlushEvery: time.Hour, CheckEvery: time.Hour})
	err := s.Write(ctx, func(tx store.Tx) error {
		for i := range 30 {
			now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Duration(30-i) * time.Minute)
			if err := tx.AppendAudit(&identityv1.AuditEvent{Id: fmt.Sprintf("%020d-x", now.UnixNano()), Method: login}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- l.Run(runCtx) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(all(t, l)) != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("Run kept %d events, want 3", len(all(t, l)))
		}
		time.Sleep(5 * time.Millisecond)
	}
	l.Audit(ctx, loginCall("ann", errors.Join(apierror.ErrUnauthenticated)))
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if evs := all(t, l); len(evs) != 4 || evs[0].GetCount() != 1 || evs[0].GetResource() != "users/ann" {
		t.Errorf("after stop: %d events, newest %v; want the flushed summary", len(evs), evs[0])
	}
}
