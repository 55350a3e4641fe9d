package ledger_test

import (
	"testing"

	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
)

// A hibernated tenant gives its headroom back: each namespace keeps its
// usage and reserve (an eighth of its initial share), never less than its
// guaranteed minimum, and shrinks further as its usage falls; it does not
// grow while asleep, however full. Waking gives every namespace its
// initial share again.
func TestAsleepTenantKeepsOnlyWhatItUses(t *testing.T) {
	l := mustOpen(t, ledger.NewMemStore(), ledger.DefaultOptions())
	must(t, l.SetBudget("acme", budget(3)))
	for _, ns := range []string{"a", "b"} {
		_, err := l.AddNamespace("acme", ns)
		must(t, err)
	}
	observe := func(ns string, usedCPU int64) {
		t.Helper()
		for _, n := range view(t, l, "acme").Namespaces {
			if n.Name == ns {
				must(t, l.Observe("acme", ns, ledger.Observation{Seq: n.Seq, Spec: n.Intended, Status: n.Intended,
					Used: ledger.Amounts{cpu: usedCPU, pods: 1}}))
			}
		}
	}
	intended := func(ns string) ledger.Amounts {
		for _, n := range view(t, l, "acme").Namespaces {
			if n.Name == ns {
				return n.Intended
			}
		}
		t.Fatalf("no namespace %s", ns)
		return nil
	}
	observe("a", 600)
	observe("b", 0)

	must(t, l.SetAsleep("acme", true))
	// a: 600m used + 125m reserve; b: 0 used + 125m reserve (above the 100m minimum).
	if a, b := intended("a"), intended("b"); a[cpu] != 725 || b[cpu] != 125 || a[pods] != 1 || b[pods] != 1 {
		t.Errorf("asleep: a %v, b %v; want 725m and 125m CPU, 1 pod each (usage, reserve 0)", a, b)
	}
	observe("a", 50) // its pods go as its workloads scale to zero
	if a := intended("a"); a[cpu] != 175 {
		t.Errorf("asleep, usage down to 50m: a keeps %dm, want 175m", a[cpu])
	}
	observe("a", 175) // full: an awake namespace would grow
	if a := intended("a"); a[cpu] != 175 {
		t.Errorf("asleep and full: a grew to %dm", a[cpu])
	}

	must(t, l.SetAsleep("acme", false))
	if a, b := intended("a"), intended("b"); a[cpu] != 1000 || b[cpu] != 1000 || a[pods] != 3 || b[pods] != 3 {
		t.Errorf("awake: a %v, b %v; want their initial 1000m and 3 pods back", a, b)
	}
}
