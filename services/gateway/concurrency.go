package gateway

import (
	"fmt"
	"sync"
	"time"

	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// concurrencyRetry is the Retry-After of a call refused for the calls a
// tenant has open: a slot frees as soon as one of them ends.
const concurrencyRetry = time.Second

// acquire takes a slot in e for a call: one of the unary requests or, for
// a server stream, one of the streams it may have open. Streams have a pool
// of their own: a watch lasts as long as its token allows, and a tenant's
// open watches must neither take its short requests' slots nor grow without
// bound. release gives the slot back; calling it more than once is safe.
func (l *tenantLimits) acquire(e *limitEntry, stream bool) (release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// e may have been forgotten since it was looked up (it was idle): count
	// in the bucket now remembered for its key, or remember e again, so
	// that no call goes uncounted.
	if el, ok := l.entries[e.key]; ok {
		e = el.Value.(*limitEntry)
	} else {
		l.entries[e.key] = l.order.PushFront(e)
	}
	count, max, what := &e.inFlight, e.maxInFlight, "requests"
	if stream {
		count, max, what = &e.streams, e.maxStream, "streams"
	}
	if *count >= max {
		return nil, &apierror.RateLimitedError{RetryAfter: concurrencyRetry, AtOnce: fmt.Sprintf("%d %s", max, what)}
	}
	*count++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			*count--
			l.mu.Unlock()
		})
	}, nil
}

// open is how many requests and streams bucket key has open.
func (l *tenantLimits) open(key string) (requests, streams int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if el, ok := l.entries[key]; ok {
		e := el.Value.(*limitEntry)
		return e.inFlight, e.streams
	}
	return 0, 0
}
