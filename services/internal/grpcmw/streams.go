package grpcmw

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

// errTokenExpired ends a stream whose caller's token expired: the client
// gets a fresh token and watches again, so a revoked caller cannot keep a
// stream open forever.
var errTokenExpired = fmt.Errorf("your token expired during the stream: sign in again and resume: %w", apierror.ErrUnauthenticated)

// streams bounds the streams each caller holds open at once.
type streams struct {
	max  int
	mu   sync.Mutex
	open map[string]int
}

// acquire opens a stream for subject, or refuses with RESOURCE_EXHAUSTED.
func (s *streams) acquire(subject string) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open[subject] >= s.max {
		return nil, &apierror.RateLimitedError{RetryAfter: time.Second}
	}
	s.open[subject]++
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.open[subject]--; s.open[subject] == 0 {
			delete(s.open, subject)
		}
	}, nil
}

// guardStream runs an authenticated caller's stream within the caller's
// stream budget and token lifetime.
func (s *streams) guardStream(ctx context.Context, claims *tokenverify.Claims, run func(context.Context) error) error {
	release, err := s.acquire(claims.Subject)
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := context.WithDeadlineCause(ctx, claims.Expiry, errTokenExpired)
	defer cancel()
	err = run(ctx)
	if cause := context.Cause(ctx); cause == errTokenExpired {
		return cause
	}
	return err
}
