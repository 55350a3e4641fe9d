package bench

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func counting(name string, calls *atomic.Int64, err error) Transport {
	return Transport{Name: name, Call: func(context.Context) error {
		calls.Add(1)
		return err
	}}
}

// Every transport gets the same calls: warm-up plus rounds, per level.
func TestRunMakesTheSameCallsOnEachTransport(t *testing.T) {
	var a, b atomic.Int64
	var out bytes.Buffer
	o := Options{Concurrency: []int{1, 4}, Requests: 50, Rounds: 2, Warmup: 10, MaxTime: time.Hour}
	if err := Run(t.Context(), &out, o, counting("base", &a, nil), counting("rest", &b, nil)); err != nil {
		t.Fatal(err)
	}
	want := int64(2 * (10 + 2*50))
	if a.Load() != want || b.Load() != want {
		t.Errorf("calls %d and %d, want %d each", a.Load(), b.Load(), want)
	}
	for _, s := range []string{"1 concurrent callers", "4 concurrent callers", "(goal ≥ 0.5)", "x of base"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
}

func TestRunFailsOnAFailedCall(t *testing.T) {
	var a, b atomic.Int64
	boom := errors.New("boom")
	o := Options{Concurrency: []int{4}, Requests: 20, Rounds: 1, Warmup: 1, MaxTime: time.Hour}
	err := Run(t.Context(), &bytes.Buffer{}, o, counting("base", &a, nil), counting("rest", &b, boom))
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
	if b.Load() > 4 {
		t.Errorf("%d calls after the first failed; the workers should stop", b.Load())
	}
}

// A round ends when its window does, however many calls it was given.
func TestRoundStopsAtItsWindow(t *testing.T) {
	slow := Transport{Name: "slow", Call: func(ctx context.Context) error {
		select {
		case <-time.After(5 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	r, err := round(t.Context(), slow, 2, 1_000_000, 30*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if r.Calls == 0 || r.Calls >= 1_000_000 {
		t.Errorf("%d calls", r.Calls)
	}
}

func TestRESTSaysWhenTheRateLimiterRefused(t *testing.T) {
	var code atomic.Int32
	code.Store(http.StatusOK)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(int(code.Load()))
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	tr := REST("rest", srv.Client(), srv.URL+"/v1/tenants/acme", "tok")
	if err := tr.Call(t.Context()); err != nil {
		t.Fatal(err)
	}
	code.Store(http.StatusTooManyRequests)
	if err := tr.Call(t.Context()); err == nil || !strings.Contains(err.Error(), "rate limiter") {
		t.Errorf("429: %v", err)
	}
	code.Store(http.StatusNotFound)
	if err := tr.Call(t.Context()); err == nil {
		t.Error("404 passed")
	}
}
