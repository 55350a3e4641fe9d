package ledger_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
	"github.com/landlord-dev/landlord/services/quota/internal/ledger/store"
)

// benchResources are as many resources as a plan bounds (RequiredQuota).
var benchResources = func() []string {
	rs := []string{cpu, pods, "limits.cpu", "requests.memory", "limits.memory"}
	for i := len(rs); i < 31; i++ {
		rs = append(rs, fmt.Sprintf("count/kind%d", i))
	}
	return rs
}()

const benchTenants, benchNamespaces = 1000, 3

// BenchmarkDecision measures allocation decisions (Request, and Observe
// with the moves it completes) at 1,000 tenants × 3 namespaces × 31
// resources, from 8 goroutines, and reports their latency percentiles:
// "memory" is the decision alone, "bbolt" includes the durable commit.
func BenchmarkDecision(b *testing.B) {
	b.Run("memory", func(b *testing.B) {
		st := ledger.NewMemStore()
		fill(b, st)
		benchDecisions(b, st)
	})
	b.Run("bbolt", func(b *testing.B) {
		mem := ledger.NewMemStore()
		fill(b, mem)
		bolt, err := store.Open(filepath.Join(b.TempDir(), "ledger.db"), store.Options{})
		must(b, err)
		defer bolt.Close()
		var wg sync.WaitGroup // copied over concurrently: group commit
		must(b, mem.Load(func(rec *ledger.TenantRecord) error {
			wg.Go(func() { must(b, bolt.Save(rec)) })
			return nil
		}))
		wg.Wait()
		benchDecisions(b, bolt)
	})
}

// fill gives every tenant 4 CPU over 3 namespaces, confirmed.
func fill(b *testing.B, st ledger.Store) {
	l := mustOpen(b, st, ledger.DefaultOptions())
	budget := ledger.Budget{Limits: ledger.Amounts{}, Min: ledger.Amounts{}, Initial: ledger.Amounts{}, MaxNamespaces: benchNamespaces}
	for _, r := range benchResources {
		budget.Limits[r], budget.Min[r], budget.Initial[r] = 4000, 100, 1000
	}
	for i := range benchTenants {
		tenant := fmt.Sprintf("t%04d", i)
		must(b, l.SetBudget(tenant, budget))
		for j := range benchNamespaces {
			_, err := l.AddNamespace(tenant, fmt.Sprintf("n%d", j))
			must(b, err)
		}
		confirm(b, l, tenant, nil)
	}
}

// confirm observes every namespace of tenant with its quota in effect and
// random usage up to half its limit.
func confirm(b testing.TB, l *ledger.Ledger, tenant string, rng *rand.Rand) []time.Duration {
	v, err := l.Get(tenant)
	must(b, err)
	var lat []time.Duration
	for _, n := range v.Namespaces {
		used := ledger.Amounts{}
		for r, h := range n.Intended {
			if rng != nil && h > 1 {
				used[r] = rng.Int64N(h / 2)
			} else {
				used[r] = 0
			}
		}
		start := time.Now()
		must(b, l.Observe(tenant, n.Name, ledger.Observation{Seq: n.Seq, Spec: n.Intended, Status: n.Intended, Used: used}))
		lat = append(lat, time.Since(start))
	}
	return lat
}

func benchDecisions(b *testing.B, st ledger.Store) {
	l := mustOpen(b, st, ledger.DefaultOptions())
	var mu sync.Mutex
	var all []time.Duration
	var seed uint64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		seed++
		rng := rand.New(rand.NewPCG(seed, 1))
		mu.Unlock()
		var lat []time.Duration
		for pb.Next() {
			tenant := fmt.Sprintf("t%04d", rng.IntN(benchTenants))
			ns := fmt.Sprintf("n%d", rng.IntN(benchNamespaces))
			start := time.Now()
			_, err := l.Request(tenant, ns, cpu, 100+rng.Int64N(1500))
			lat = append(lat, time.Since(start))
			must(b, err)
			lat = append(lat, confirm(b, l, tenant, rng)...)
		}
		mu.Lock()
		all = append(all, lat...)
		mu.Unlock()
	})
	b.StopTimer()
	slices.Sort(all)
	at := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))]) / 1e6 }
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(at(1), "max-ms")
	b.ReportMetric(float64(len(all))/float64(b.N), "decisions/op")
}
