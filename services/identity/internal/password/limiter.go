package password

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// ErrBusy is a hash refused because the budget is spent and the queue of
// waiting hashes is full. It also wraps an apierror.RateLimitedError, so
// the caller gets RESOURCE_EXHAUSTED with a retry delay.
var ErrBusy = errors.New("password: too many password hashes in flight")

// busyRetry is the delay a refused caller is told to wait: about the time
// a queue's worth of default-cost hashes takes to drain.
const busyRetry = time.Second

// limiter admits argon2id runs while the memory they allocate fits a
// budget: each run holds its memory cost (KiB) of the budget until it
// ends. Runs beyond the budget wait, in a bounded queue; a cancelled
// waiter leaves it; a full queue refuses at once. So a flood of hashing
// requests costs neither unbounded memory nor unbounded parked calls.
type limiter struct {
	sem     *semaphore.Weighted
	budget  int64 // KiB
	queue   int64
	waiting atomic.Int64
}

func newLimiter(budgetKiB int64, queue int) *limiter {
	return &limiter{sem: semaphore.NewWeighted(budgetKiB), budget: budgetKiB, queue: int64(queue)}
}

// acquire waits for kib of the budget and returns its release. A run
// larger than the whole budget takes all of it: it runs alone.
func (l *limiter) acquire(ctx context.Context, kib uint32) (release func(), err error) {
	n := min(int64(kib), l.budget)
	release = func() { l.sem.Release(n) }
	if l.sem.TryAcquire(n) {
		return release, nil
	}
	if l.waiting.Add(1) > l.queue {
		l.waiting.Add(-1)
		return nil, fmt.Errorf("%w: %w", ErrBusy, &apierror.RateLimitedError{RetryAfter: busyRetry})
	}
	defer l.waiting.Add(-1)
	if err := l.sem.Acquire(ctx, n); err != nil {
		return nil, err
	}
	return release, nil
}

// Limited reports whether err says a hash was not run at all (the budget
// was busy or the caller gave up), rather than anything about a password:
// such errors go back to the caller as they are.
func Limited(err error) bool {
	return errors.Is(err, ErrBusy) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
