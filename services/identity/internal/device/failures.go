package device

import "time"

// failures counts the wrong user codes each approver tried, in fixed
// windows: after max in one window the approver waits for the window's
// end. Approvers are signed-in users, so the keys are bounded by the users
// there are; entries whose window ended are swept.
type failures struct {
	max     int
	window  time.Duration
	entries map[string]*window
}

type window struct {
	start time.Time
	count int
}

func newFailures(max int, w time.Duration) *failures {
	return &failures{max: max, window: w, entries: map[string]*window{}}
}

// wait is how long who must wait before approving again (0: go ahead).
func (f *failures) wait(who string, now time.Time) time.Duration {
	e := f.entries[who]
	if e == nil || e.count < f.max {
		return 0
	}
	end := e.start.Add(f.window)
	if !now.Before(end) {
		delete(f.entries, who)
		return 0
	}
	return end.Sub(now)
}

// fail counts one wrong code of who.
func (f *failures) fail(who string, now time.Time) {
	e := f.entries[who]
	if e == nil || !now.Before(e.start.Add(f.window)) {
		e = &window{start: now}
		f.entries[who] = e
	}
	e.count++
}

func (f *failures) sweep(now time.Time) {
	for who, e := range f.entries {
		if !now.Before(e.start.Add(f.window)) {
			delete(f.entries, who)
		}
	}
}
