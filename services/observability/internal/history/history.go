// Package history keeps each tenant's and namespace's requests over time:
// the service samples current usage every few seconds, integrates the
// samples into minutes in memory (Accumulator), and every flush interval
// adds them to the minute, hour and day rollups in history.db (Store),
// deleting what is older than each rollup's retention.
//
// Durability: a flush is one fsynced bbolt transaction. A crash (kill -9)
// loses what was sampled since the last flush, at most one flush interval;
// a graceful stop flushes first and loses nothing. Time the service does
// not run is not observed: points say how much of their step they saw.
package history

import (
	"context"
	"sync"
	"time"

	"github.com/landlord-dev/landlord/services/observability/internal/usage"
)

// Options are the sampling, flushing and retention settings.
type Options struct {
	Sample, Flush time.Duration
	Retention     map[Resolution]time.Duration
}

// Source is every tenant's usage now.
type Source func() ([]usage.Tenant, error)

// Rollups is where history is kept: Store (bbolt) is the embedded
// default; another backend (etcd, for replicas) implements the same two
// calls.
type Rollups interface {
	// Add adds minutes into every resolution's intervals, atomically, and
	// drops what is past retention.
	Add(minutes map[int64]*Interval, now time.Time, retention map[Resolution]time.Duration) error
	// Range reads key's series from r's intervals that start in [from, to).
	Range(r Resolution, from, to time.Time, key string) (map[int64]*Interval, error)
}

// Recorder samples a Source into Rollups.
type Recorder struct {
	store  Rollups
	source Source
	opts   Options
	now    func() time.Time

	mu  sync.Mutex // guards acc
	acc Accumulator
	// flushing is held by Flush (write) and History (read): a reader
	// sees the minutes being flushed either pending or stored, never
	// neither or both.
	flushing sync.RWMutex
}

// NewRecorder records source into store.
func NewRecorder(store Rollups, source Source, opts Options) *Recorder {
	// A sample late by more than two intervals means the service was
	// stalled: that time is not observed.
	return &Recorder{store: store, source: source, opts: opts, now: time.Now, acc: Accumulator{MaxGap: 3 * opts.Sample}}
}

// Run samples and flushes until ctx ends, then samples and flushes once
// more.
func (r *Recorder) Run(ctx context.Context) error {
	sample, flush := time.NewTicker(r.opts.Sample), time.NewTicker(r.opts.Flush)
	defer sample.Stop()
	defer flush.Stop()
	r.sample()
	for {
		select {
		case <-ctx.Done():
			r.sample()
			return r.Flush()
		case <-sample.C:
			r.sample()
		case <-flush.C:
			if err := r.Flush(); err != nil {
				return err
			}
		}
	}
}

func (r *Recorder) sample() {
	tenants, err := r.source()
	if err != nil {
		return // the next sample integrates over the gap, if short
	}
	values := make(map[string]Values, 2*len(tenants))
	for _, t := range tenants {
		values[Key(t.UID, "")] = valuesOf(t.Total)
		for _, ns := range t.Namespaces {
			values[Key(t.UID, ns.Name)] = valuesOf(ns.Usage)
		}
	}
	r.mu.Lock()
	r.acc.Sample(r.now(), values)
	r.mu.Unlock()
}

func valuesOf(u usage.Usage) Values {
	return Values{CPU: float64(u.CPURequests), Memory: float64(u.MemoryRequests), Storage: float64(u.StorageRequests)}
}

// Flush writes the pending minutes. On failure they stay pending.
func (r *Recorder) Flush() error {
	r.flushing.Lock()
	defer r.flushing.Unlock()
	r.mu.Lock()
	pending := r.acc.Take()
	r.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	if err := r.store.Add(pending, r.now(), r.opts.Retention); err != nil {
		r.mu.Lock()
		for m, iv := range r.acc.Take() { // sampled meanwhile
			if p, ok := pending[m]; ok {
				p.add(iv)
			} else {
				pending[m] = iv
			}
		}
		r.acc.Pending = pending
		r.mu.Unlock()
		return err
	}
	return nil
}

// History is the points of q for one series: what is stored plus what
// is still pending.
func (r *Recorder) History(q Query, key string) ([]Point, error) {
	r.flushing.RLock()
	defer r.flushing.RUnlock()
	stored, err := r.store.Range(q.Resolution, q.Start, q.End, key)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	pending := Rollup(r.acc.Pending, q.Resolution, key)
	r.mu.Unlock()
	for t, iv := range pending {
		if s, ok := stored[t]; ok {
			s.add(iv)
		} else {
			stored[t] = iv
		}
	}
	return q.Points(stored, key), nil
}
