package quota

import (
	"context"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
)

func TestLedgerDecisionsAreCountedByOutcome(t *testing.T) {
	m := &ledgerMetrics{}
	m.onAsk(ledger.Grant{Now: 1}, time.Millisecond) // before register: not counted, no panic
	reader := sdkmetric.NewManualReader()
	book, err := ledger.Open(ledger.NewMemStore(), ledger.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.register(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)), book); err != nil {
		t.Fatal(err)
	}
	for _, g := range []ledger.Grant{{Now: 5}, {Now: 1, Moving: 2}, {Moving: 3}, {Now: 1, Short: 4}} {
		m.onAsk(g, 3*time.Millisecond)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	var decisions uint64
	for _, sm := range rm.ScopeMetrics {
		for _, metric := range sm.Metrics {
			switch data := metric.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range data.DataPoints {
					outcome, _ := p.Attributes.Value("outcome")
					got[outcome.AsString()] += p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range data.DataPoints {
					decisions += p.Count
				}
			case metricdata.Gauge[int64]:
				got["pending_tenants"] = data.DataPoints[0].Value
			}
		}
	}
	want := map[string]int64{"granted": 1, "moving": 2, "short": 1, "pending_tenants": 0}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
	if decisions != 4 {
		t.Errorf("%d decisions timed, want 4", decisions)
	}
}
