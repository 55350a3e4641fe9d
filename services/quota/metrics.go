package quota

import (
	"context"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
)

// ledgerMetrics puts the ledger's decisions on /metrics: how many asks
// for headroom were granted at once, partly by moves from siblings, or
// left short at the tenant's limit; how long each took (its durable save
// included); and how many tenants have writes the cluster lacks. The
// ledger is opened before the server that owns the meters, so the
// instruments arrive later (register) and asks before then are not counted.
type ledgerMetrics struct {
	inst atomic.Pointer[askInstruments]
}

type askInstruments struct {
	asks     metric.Int64Counter
	duration metric.Float64Histogram
}

var (
	outcomeGranted = metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "granted")))
	outcomeMoving  = metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "moving")))
	outcomeShort   = metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "short")))
)

// onAsk is the ledger's OnAsk.
func (m *ledgerMetrics) onAsk(g ledger.Grant, took time.Duration) {
	inst := m.inst.Load()
	if inst == nil {
		return
	}
	outcome := outcomeGranted
	switch {
	case g.Short > 0:
		outcome = outcomeShort
	case g.Moving > 0:
		outcome = outcomeMoving
	}
	ctx := context.Background()
	inst.asks.Add(ctx, 1, outcome)
	inst.duration.Record(ctx, took.Seconds())
}

func (m *ledgerMetrics) register(meters metric.MeterProvider, book *ledger.Ledger) error {
	meter := meters.Meter("landlord/quota")
	asks, err := meter.Int64Counter("landlord.quota.ledger.asks",
		metric.WithDescription("Asks for more of a resource for a namespace, by outcome: granted at once, partly moving from siblings, or short at the tenant's limit"),
		metric.WithUnit("{ask}"))
	if err != nil {
		return err
	}
	duration, err := meter.Float64Histogram("landlord.quota.ledger.ask.duration",
		metric.WithDescription("Time to decide an ask, the durable save of the tenant's record included"),
		metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1))
	if err != nil {
		return err
	}
	if _, err := meter.Int64ObservableGauge("landlord.quota.ledger.pending_tenants",
		metric.WithDescription("Tenants with ResourceQuota writes the cluster does not show yet"),
		metric.WithUnit("{tenant}"),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(int64(book.PendingTenants()))
			return nil
		})); err != nil {
		return err
	}
	m.inst.Store(&askInstruments{asks: asks, duration: duration})
	return nil
}
