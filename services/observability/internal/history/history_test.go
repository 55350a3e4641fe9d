package history

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/landlord-dev/landlord/services/observability/internal/usage"
)

// failing fails Add until told otherwise.
type failing struct {
	Rollups
	fail bool
}

func (f *failing) Add(m map[int64]*Interval, now time.Time, r map[Resolution]time.Duration) error {
	if f.fail {
		return errors.New("disk full")
	}
	return f.Rollups.Add(m, now, r)
}

// What is sampled shows in History before and after the flush, exactly
// once; a failed flush keeps it pending for the next.
func TestRecorderShowsPendingAndKeepsItOnFailedFlush(t *testing.T) {
	s, err := OpenStore(filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	store := &failing{Rollups: s, fail: true}
	tenants := []usage.Tenant{{UID: "u", Total: usage.Usage{CPURequests: 1000}}}
	r := NewRecorder(store, func() ([]usage.Tenant, error) { return tenants, nil }, Options{Sample: 10 * time.Second, Flush: time.Minute})
	clock := t0
	r.now = func() time.Time { return clock }
	for range 4 { // 30 s of one core
		r.sample()
		clock = clock.Add(10 * time.Second)
	}
	q, err := Plan(t0, t0.Add(time.Hour), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		points, err := r.History(q, Key("u", ""))
		if err != nil {
			t.Fatal(err)
		}
		if p := points[0]; p.Observed != 30 || p.Integral.CPU != 30*1000 {
			t.Errorf("%s: %+v, want 30 s at one core", when, p)
		}
	}
	check("pending")
	if err := r.Flush(); err == nil {
		t.Fatal("flush to a failing store succeeded")
	}
	check("after a failed flush")
	store.fail = false
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	check("flushed")
}
