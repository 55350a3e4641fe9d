package api

import (
	"sync"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
)

// pending is what a watcher has yet to send: at most one change per tenant,
// the latest, in the order tenants first changed. A slow client gets the
// current state of each tenant, not every step in between, and memory is
// bounded by the number of tenants it may see, however long it lags, so
// the initial replay of every tenant needs no buffer of a fixed size.
type pending struct {
	mu      sync.Mutex
	order   []string
	changes map[string]*event
	ready   chan struct{} // holds a token while changes wait
}

func newPending() *pending {
	return &pending{changes: map[string]*event{}, ready: make(chan struct{}, 1)}
}

// add records a change, folding it into the one waiting for the tenant: an
// addition not yet sent stays an addition, and a deletion of one not yet
// sent cancels it.
func (p *pending) add(e *event) {
	name := e.GetTenant().GetName()
	p.mu.Lock()
	defer p.mu.Unlock()
	prev, waiting := p.changes[name]
	switch {
	case !waiting:
		p.order = append(p.order, name)
	case prev.GetType() == provisioningv1.WatchTenantsResponse_EVENT_TYPE_ADDED &&
		e.GetType() == provisioningv1.WatchTenantsResponse_EVENT_TYPE_DELETED:
		delete(p.changes, name) // the client never saw it: nothing to say
		return
	case prev.GetType() == provisioningv1.WatchTenantsResponse_EVENT_TYPE_ADDED:
		e = &event{Type: prev.GetType(), Tenant: e.GetTenant()}
	}
	p.changes[name] = e
	select {
	case p.ready <- struct{}{}:
	default:
	}
}

// take returns the waiting changes in order and forgets them.
func (p *pending) take() []*event {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*event, 0, len(p.changes))
	for _, name := range p.order {
		if e, ok := p.changes[name]; ok {
			out = append(out, e)
		}
	}
	p.order, p.changes = nil, map[string]*event{}
	return out
}
