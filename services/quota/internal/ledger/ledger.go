package ledger

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// Store keeps each tenant's record durably. It is small so that an etcd
// backend (one key per tenant, a transaction per Save) can replace bbolt.
type Store interface {
	// Load calls fn with every stored record.
	Load(fn func(*TenantRecord) error) error
	// Save creates or replaces the record of rec.Name, durably, before it
	// returns. The ledger never changes rec afterwards.
	Save(rec *TenantRecord) error
	// Delete removes a tenant's record; a missing one is not an error.
	Delete(tenant string) error
}

// Options tune the rebalancing policy.
type Options struct {
	// GrowAt: when a namespace's usage of a resource reaches this share
	// (per mille) of its hard limit and incoming moves, Observe asks for
	// more at once, before creates are refused. 0 turns it off.
	GrowAt int64
	// GrowTo is the share (per mille) usage should be of the grown limit.
	GrowTo int64
	// OnAsk, if set, hears of every decision Request and Ensure made (not
	// of asks for nothing) and how long it took, durable save included.
	OnAsk func(g Grant, took time.Duration)
}

// DefaultOptions grow a namespace at 90% usage to where usage is half: a
// namespace filling up doubles its share per move, so a burst needs few
// moves (each is two writes and two syncs of the quota controller), and
// few limit changes under load (see deploy/security.md on the quota
// controller's recount).
func DefaultOptions() Options { return Options{GrowAt: 900, GrowTo: 500} }

// Ledger is every tenant's allocation. Its methods are safe for concurrent
// use; each locks only the tenant it works on.
type Ledger struct {
	store Store
	opts  Options

	mu      sync.RWMutex // guards the tenants map, not the tenants
	tenants map[string]*tenant

	pmu     sync.Mutex
	pending map[string]struct{} // tenants with writes the cluster lacks
	changed chan struct{}
}

type tenant struct {
	mu   sync.Mutex
	rec  *TenantRecord // nil until created; replaced, never changed, by each operation
	gone bool          // removed from the map: look it up again
}

// errUnchanged makes update skip the save of a no-op.
var errUnchanged = errors.New("unchanged")

// Open loads every tenant from st. In-flight moves resume where they were:
// their donors' shrinks stay intended and are re-driven through Pending,
// and recipients grow only once Observe shows the shrinks in effect.
func Open(st Store, opts Options) (*Ledger, error) {
	if opts.GrowAt < 0 || opts.GrowAt > 1000 || (opts.GrowAt > 0 && (opts.GrowTo <= 0 || opts.GrowTo > opts.GrowAt)) {
		return nil, fmt.Errorf("ledger options: want 0 ≤ GrowAt ≤ 1000 and 0 < GrowTo ≤ GrowAt, got %d and %d", opts.GrowAt, opts.GrowTo)
	}
	l := &Ledger{store: st, opts: opts, tenants: map[string]*tenant{}, pending: map[string]struct{}{}, changed: make(chan struct{}, 1)}
	err := st.Load(func(rec *TenantRecord) error {
		l.tenants[rec.Name] = &tenant{rec: rec}
		l.markPending(rec)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load ledger: %w", err)
	}
	return l, nil
}

// Changed receives a value when new writes may be pending.
func (l *Ledger) Changed() <-chan struct{} { return l.changed }

// update runs fn on a copy of the tenant's record, issues writes for the
// namespaces it changed, saves it, and only then makes it current: a
// failed save leaves the ledger as it was. It returns the current record,
// which nothing changes any more.
func (l *Ledger) update(name string, create bool, fn func(rec *TenantRecord) error) (*TenantRecord, error) {
	for {
		t := l.lookup(name, create)
		if t == nil {
			return nil, notFound(name)
		}
		t.mu.Lock()
		if t.gone {
			t.mu.Unlock()
			continue
		}
		err := l.apply(t, name, create, fn)
		rec := t.rec
		t.mu.Unlock()
		return rec, err
	}
}

func (l *Ledger) apply(t *tenant, name string, create bool, fn func(rec *TenantRecord) error) error {
	var next *TenantRecord
	switch {
	case t.rec != nil:
		next = t.rec.clone()
	case create:
		next = &TenantRecord{Name: name}
	default:
		return notFound(name)
	}
	if l.opts.GrowAt > 0 {
		next.growTo = l.opts.GrowTo
	}
	if err := fn(next); err != nil {
		if errors.Is(err, errUnchanged) {
			return nil
		}
		return err
	}
	next.issue(t.rec)
	// Observations alone need no fsync: a crash that forgets one only
	// counts more (older observations, unpruned writes) until the watch
	// reports again. Decisions are saved before anyone can see them.
	if t.rec == nil || !sameDecisions(t.rec, next) {
		if err := l.store.Save(next); err != nil {
			return fmt.Errorf("save tenant %q: %w", name, err)
		}
	}
	t.rec = next
	l.markPending(next)
	return nil
}

func (l *Ledger) lookup(name string, create bool) *tenant {
	l.mu.RLock()
	t := l.tenants[name]
	l.mu.RUnlock()
	if t != nil || !create {
		return t
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if t = l.tenants[name]; t == nil {
		t = &tenant{}
		l.tenants[name] = t
	}
	return t
}

func (l *Ledger) markPending(rec *TenantRecord) {
	has := slices.ContainsFunc(rec.Namespaces, (*NamespaceRecord).pending)
	l.pmu.Lock()
	defer l.pmu.Unlock()
	if !has {
		delete(l.pending, rec.Name)
		return
	}
	l.pending[rec.Name] = struct{}{}
	select {
	case l.changed <- struct{}{}:
	default:
	}
}

// PendingTenants is how many tenants have writes the cluster lacks.
func (l *Ledger) PendingTenants() int {
	l.pmu.Lock()
	defer l.pmu.Unlock()
	return len(l.pending)
}

// Pending returns the writes the cluster lacks, by tenant and namespace.
// A write stays pending until Observe shows the quota carries its Seq and
// hard limits, so applying the list again is harmless.
func (l *Ledger) Pending() []Write {
	l.pmu.Lock()
	names := slices.Sorted(maps.Keys(l.pending))
	l.pmu.Unlock()
	var out []Write
	for _, name := range names {
		l.mu.RLock()
		t := l.tenants[name]
		l.mu.RUnlock()
		if t == nil {
			continue
		}
		t.mu.Lock()
		if t.rec != nil {
			for _, n := range t.rec.Namespaces {
				if n.pending() {
					out = append(out, Write{Tenant: name, Namespace: n.Name, Seq: n.Seq, Hard: t.rec.amounts(n.Intended)})
				}
			}
		}
		t.mu.Unlock()
	}
	return out
}

// Get returns a tenant's ledger.
func (l *Ledger) Get(name string) (TenantView, error) {
	t := l.lookup(name, false)
	if t == nil {
		return TenantView{}, notFound(name)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.rec == nil {
		return TenantView{}, notFound(name)
	}
	return t.rec.view(), nil
}

// RemoveTenant forgets a tenant whose namespaces are gone.
func (l *Ledger) RemoveTenant(name string) error {
	t := l.lookup(name, false)
	if t == nil {
		return notFound(name)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.rec == nil {
		return notFound(name)
	}
	if err := l.store.Delete(name); err != nil {
		return fmt.Errorf("delete tenant %q: %w", name, err)
	}
	t.rec, t.gone = nil, true
	l.mu.Lock()
	delete(l.tenants, name)
	l.mu.Unlock()
	l.pmu.Lock()
	delete(l.pending, name)
	l.pmu.Unlock()
	return nil
}

func notFound(tenant string) error { return fmt.Errorf("tenant %q: %w", tenant, apierror.ErrNotFound) }
