package auth

import (
	"sync"
	"time"
)

// lockout slows password guessing per username. It applies to every name,
// existing or not, so its answers reveal nothing about which users exist,
// and it lives in memory so failed logins cost no disk writes.
type lockout struct {
	mu      sync.Mutex
	entries map[string]*failures
	// free is how many failures are forgiven before locking.
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
	if f := l.entries[name]; f != nil && now.Before(f.until) {
		return f.until.Sub(now)
	}
	return 0
}

// fail records a failed login; locks double after the free ones.
func (l *lockout) fail(name string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
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
}

// succeed forgets name's failures.
func (l *lockout) succeed(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, name)
}

// evict drops entries idle for longer than the longest lock.
func (l *lockout) evict(now time.Time) {
	for name, f := range l.entries {
		if now.Sub(f.last) > l.max {
			delete(l.entries, name)
		}
	}
}
