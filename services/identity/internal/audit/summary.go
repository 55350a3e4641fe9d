package audit

import (
	"context"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
)

// summaryKey is what failed anonymous calls are summed by.
type summaryKey struct{ method, code, resource string }

// maxSummaries bounds the sums kept between flushes. Resources come from
// requests (a login's user name), so a spray of fresh names is folded into
// one sum per method and code, with no resource, once the bound is hit.
const maxSummaries = 100

// tally counts one failed anonymous call for the next summary.
func (l *Log) tally(method, code, resource string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending == nil {
		l.pending = map[summaryKey]int64{}
	}
	k := summaryKey{method, code, resource}
	if _, ok := l.pending[k]; !ok && len(l.pending) >= maxSummaries {
		k.resource = ""
	}
	l.pending[k]++
}

// Flush writes the calls counted since the last flush as summary events,
// all in one transaction. Sums that cannot be written are logged and
// dropped: a store that fails must not make them pile up.
func (l *Log) Flush(ctx context.Context) {
	l.mu.Lock()
	pending := l.pending
	l.pending = nil
	l.mu.Unlock()
	if len(pending) == 0 {
		return
	}
	evs := make([]*identityv1.AuditEvent, 0, len(pending))
	for k, n := range pending {
		evs = append(evs, &identityv1.AuditEvent{Method: k.method, Code: k.code, Resource: k.resource, Count: n})
	}
	if err := l.write(ctx, evs...); err != nil {
		l.Logger.ErrorContext(ctx, "audit summary not recorded", "events", len(evs), "error", err.Error())
	}
}
