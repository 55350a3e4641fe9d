package history

import (
	"path/filepath"
	"testing"
	"time"
)

// What is flushed survives reopening; each rollup keeps its own
// retention; adding the same minute twice adds up.
func TestStoreKeepsRollupsAcrossReopenAndPrunes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	minute := func(d time.Duration, cpu float64) map[int64]*Interval {
		return map[int64]*Interval{at(d).Unix(): {Coverage: 60, Series: map[string]Integral{"u/": {CPU: cpu}}}}
	}
	retention := map[Resolution]time.Duration{Minute: 2 * time.Hour, Hour: 48 * time.Hour, Day: 365 * 24 * time.Hour}
	for _, d := range []time.Duration{0, time.Minute, time.Minute} {
		if err := s.Add(minute(d, 6000), at(2*time.Minute), retention); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = OpenStore(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Range(Minute, at(0), at(time.Hour), "u/")
	if err != nil {
		t.Fatal(err)
	}
	if m := got[at(time.Minute).Unix()]; len(got) != 2 || m.Coverage != 120 || m.Series["u/"].CPU != 12000 {
		t.Errorf("minutes after reopen: %v", got)
	}
	hours, err := s.Range(Hour, at(0), at(time.Hour), "u/")
	if h := hours[at(0).Unix()]; err != nil || h.Coverage != 180 || h.Series["u/"].CPU != 18000 {
		t.Errorf("hour: %v, %v", hours, err)
	}
	// Three hours later the minutes are past their retention, the hour is not.
	if err := s.Add(minute(3*time.Hour+5*time.Minute, 1), at(3*time.Hour+5*time.Minute), retention); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Range(Minute, at(0), at(time.Hour), "u/"); len(got) != 0 {
		t.Errorf("minutes past retention kept: %v", got)
	}
	if got, _ := s.Range(Hour, at(0), at(time.Hour), "u/"); len(got) != 1 {
		t.Errorf("hour within retention: %v", got)
	}
}
