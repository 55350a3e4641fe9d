package audit

import (
	"cmp"
	"context"
	"time"

	"github.com/landlord-dev/landlord/services/identity/internal/store"
)

// Retention is how long and how many audit events are kept. Zero values
// take the defaults of DefaultRetention.
type Retention struct {
	// MaxAge: older events are deleted.
	MaxAge time.Duration
	// MaxEvents: beyond it, the oldest events are deleted. An event is a
	// few hundred bytes at most (its fields are bounded by validation),
	// so this bounds the log's size on disk.
	MaxEvents int
	// FlushEvery is how often failed anonymous calls are written as
	// summaries, and CheckEvery how often old events are deleted.
	FlushEvery time.Duration
	CheckEvery time.Duration
}

// DefaultRetention keeps 90 days and at most a million events (a few
// hundred MB), summing failed anonymous calls every 10 s.
func DefaultRetention() Retention {
	return Retention{MaxAge: 90 * 24 * time.Hour, MaxEvents: 1_000_000, FlushEvery: 10 * time.Second, CheckEvery: time.Minute}
}

func (r Retention) withDefaults() Retention {
	d := DefaultRetention()
	return Retention{
		MaxAge: cmp.Or(r.MaxAge, d.MaxAge), MaxEvents: cmp.Or(r.MaxEvents, d.MaxEvents),
		FlushEvery: cmp.Or(r.FlushEvery, d.FlushEvery), CheckEvery: cmp.Or(r.CheckEvery, d.CheckEvery),
	}
}

// trimBatch bounds each deleting transaction, so that calls being audited
// never wait long behind retention.
const trimBatch = 10_000

// Run counts the stored events, then writes summaries and applies
// retention on their intervals until ctx ends; it flushes the last
// summaries before returning.
func (l *Log) Run(ctx context.Context) error {
	r := l.Retention.withDefaults()
	var n int
	if err := l.Store.Read(ctx, func(tx store.Tx) (err error) { n, err = tx.CountAudit(); return err }); err != nil {
		return err
	}
	l.stored.Add(int64(n))
	l.Trim(ctx)
	flush, check := time.NewTicker(r.FlushEvery), time.NewTicker(r.CheckEvery)
	defer flush.Stop()
	defer check.Stop()
	for {
		select {
		case <-ctx.Done():
			l.Flush(context.WithoutCancel(ctx))
			return nil
		case <-flush.C:
			l.Flush(ctx)
		case <-check.C:
			l.Trim(ctx)
		}
	}
}

// Trim deletes the events older than MaxAge, then the oldest beyond
// MaxEvents, in batches. Failures are logged: the next check tries again.
func (l *Log) Trim(ctx context.Context) {
	r := l.Retention.withDefaults()
	if err := l.deleteBefore(ctx, idAt(l.Now().Add(-r.MaxAge)), -1); err != nil {
		l.Logger.ErrorContext(ctx, "audit retention by age failed", "error", err.Error())
	}
	if excess := l.stored.Load() - int64(r.MaxEvents); excess > 0 {
		if err := l.deleteBefore(ctx, "~", excess); err != nil { // "~" sorts after every id
			l.Logger.ErrorContext(ctx, "audit retention by count failed", "error", err.Error())
		}
	}
}

// deleteBefore deletes events with ids before `before`, oldest first, at
// most limit of them (-1: all), one batch per transaction.
func (l *Log) deleteBefore(ctx context.Context, before string, limit int64) error {
	for limit != 0 {
		batch := trimBatch
		if limit > 0 {
			batch = int(min(limit, trimBatch))
		}
		var n int
		if err := l.Store.Write(ctx, func(tx store.Tx) (err error) { n, err = tx.DeleteAudit(before, batch); return err }); err != nil {
			return err
		}
		l.stored.Add(-int64(n))
		if n < batch {
			return nil
		}
		if limit > 0 {
			limit -= int64(n)
		}
	}
	return nil
}
