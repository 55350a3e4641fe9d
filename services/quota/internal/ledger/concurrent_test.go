package ledger_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
)

// TestConcurrentTenants runs requests, observations, namespace changes
// and the writer's Pending at once on several tenants (run with -race),
// then checks every tenant's promise within its budget.
func TestConcurrentTenants(t *testing.T) {
	l := mustOpen(t, ledger.NewMemStore(), ledger.DefaultOptions())
	tenants := []string{"a", "b", "c", "d"}
	for _, tenant := range tenants {
		must(t, l.SetBudget(tenant, budget(3)))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 3))
			for range 300 {
				tenant, ns := tenants[rng.IntN(len(tenants))], fmt.Sprintf("n%d", rng.IntN(4))
				switch rng.IntN(5) {
				case 0:
					_, _ = l.AddNamespace(tenant, ns)
				case 1:
					_ = l.RemoveNamespace(tenant, ns)
				case 2:
					_, _ = l.Request(tenant, ns, cpu, 1+rng.Int64N(2000))
				case 3:
					for _, w := range l.Pending() {
						_ = l.Observe(w.Tenant, w.Namespace, ledger.Observation{Seq: w.Seq, Spec: w.Hard, Status: w.Hard,
							Used: ledger.Amounts{cpu: rng.Int64N(w.Hard[cpu] + 1), pods: 0}})
					}
				case 4:
					_, _ = l.Get(tenant)
				}
			}
		})
	}
	wg.Wait()
	for _, tenant := range tenants {
		v := view(t, l, tenant)
		var promised int64
		for _, n := range v.Namespaces {
			promised += n.Intended[cpu]
		}
		for _, m := range v.Moves {
			promised += m.Amount
		}
		if promised > v.Budget.Limits[cpu] {
			t.Errorf("%s: %d promised of %d", tenant, promised, v.Budget.Limits[cpu])
		}
	}
}
