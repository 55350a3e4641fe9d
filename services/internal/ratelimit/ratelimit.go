// Package ratelimit keeps a token bucket per key (a client address, an
// account name) in a map of bounded size, so that neither the callers it
// limits nor a spray of fresh keys can make it grow without end.
package ratelimit

import (
	"container/list"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// Rate is a token bucket: Burst calls at once, refilled at PerSecond.
// A zero PerSecond means no limit.
type Rate struct {
	PerSecond float64
	Burst     int
}

// DefaultMaxKeys bounds the buckets one Limiter keeps: about 25 MB.
const DefaultMaxKeys = 100_000

// Limiter keeps one bucket per key. When it holds maxKeys buckets, the one
// used least recently is dropped; it is most likely full again anyway.
type Limiter struct {
	rate    Rate
	maxKeys int

	mu      sync.Mutex
	buckets map[string]*list.Element // of *bucket
	recent  *list.List               // most recently used first
}

type bucket struct {
	key string
	tb  *rate.Limiter
}

// New returns a Limiter for r, keeping at most maxKeys buckets (at least
// one; 0 is DefaultMaxKeys).
func New(r Rate, maxKeys int) *Limiter {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	return &Limiter{rate: r, maxKeys: maxKeys, buckets: map[string]*list.Element{}, recent: list.New()}
}

// Allow takes a token from key's bucket at now. Without one it returns an
// *apierror.RateLimitedError carrying the wait until the next token
// (RESOURCE_EXHAUSTED with RetryInfo), and takes nothing.
func (l *Limiter) Allow(key string, now time.Time) error {
	if l == nil || l.rate.PerSecond <= 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.bucket(key).ReserveN(now, 1)
	if !r.OK() { // a zero burst admits nothing, ever
		return &apierror.RateLimitedError{RetryAfter: time.Minute}
	}
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
		return &apierror.RateLimitedError{RetryAfter: wait}
	}
	return nil
}

// Len is how many buckets the Limiter holds.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// bucket finds or makes key's bucket and marks it used.
func (l *Limiter) bucket(key string) *rate.Limiter {
	if e, ok := l.buckets[key]; ok {
		l.recent.MoveToFront(e)
		return e.Value.(*bucket).tb
	}
	if len(l.buckets) >= l.maxKeys {
		oldest := l.recent.Back()
		l.recent.Remove(oldest)
		delete(l.buckets, oldest.Value.(*bucket).key)
	}
	b := &bucket{key: key, tb: rate.NewLimiter(rate.Limit(l.rate.PerSecond), l.rate.Burst)}
	l.buckets[key] = l.recent.PushFront(b)
	return b.tb
}
