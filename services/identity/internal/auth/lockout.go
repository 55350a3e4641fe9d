package auth

import (
	"sync"
	"time"
)

// lockout slows password guessing per username. It applies to every name,
// existing or not, so its answers reveal nothing about which users exist,
// and it lives in memory so failed logins cost no disk writes.
//
// An attempt is counted when it starts, before the password is hashed, and
// forgotten only by a success: so N parallel guesses count as N, and once
// the free ones are spent the rest are refused without being checked.
type lockout struct {
	mu      sync.Mutex
	entries map[string]*failures
	// free is how many attempts are forgiven before locking.
	free int
	base time.Duration
	max  time.Duration
}

type failures struct {
	count int
	until time.Time
	last  time.Time
}

// maxTracked bounds memory under a spray of random usernames.
const maxTracked = 100_000

func newLockout() *lockout {
	return &lockout{entries: map[string]*failures{}, free: 5, base: 30 * time.Second, max: 15 * time.Minute}
}

// wait is how long name must wait before trying again (0: go ahead).
func (l *lockout) wait(name string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waitLocked(name, now)
}

func (l *lockout) waitLocked(name string, now time.Time) time.Duration {
	if f := l.entries[name]; f != nil && now.Before(f.until) {
		return f.until.Sub(now)
	}
	return 0
}

// attempt starts a login of name: if name is locked it returns the wait
// and counts nothing (no password is checked); otherwise it counts the
// attempt as failed until succeed says otherwise, and returns 0. Locks
// double with each attempt after the free ones.
func (l *lockout) attempt(name string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if wait := l.waitLocked(name, now); wait > 0 {
		return wait
	}
	if len(l.entries) >= maxTracked {
		l.evict(now)
	}
	f := l.entries[name]
	if f == nil {
		f = &failures{}
		l.entries[name] = f
	}
	f.count++
	f.last = now
	if over := f.count - l.free; over > 0 {
		d := l.base << min(over-1, 10)
		f.until = now.Add(min(d, l.max))
	}
	return 0
}

// succeed forgets name's failures.
func (l *lockout) succeed(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, name)
}

// evict makes room: first entries idle for longer than the longest lock,
// then, if a spray of fresh names filled the map, names not locked now,
// and as a last resort any, so the map never outgrows maxTracked.
func (l *lockout) evict(now time.Time) {
	for _, drop := range []func(*failures) bool{
		func(f *failures) bool { return now.Sub(f.last) > l.max },
		func(f *failures) bool { return !now.Before(f.until) },
		func(*failures) bool { return true },
	} {
		for name, f := range l.entries {
			if len(l.entries) < maxTracked*9/10 {
				return
			}
			if drop(f) {
				delete(l.entries, name)
			}
		}
	}
}
