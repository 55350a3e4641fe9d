package ledger_test

import (
	"testing"

	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
)

// A refused create asks for what it lacked; the same refusal reported
// again (an Event's count going up) asks for nothing more.
func TestEnsureAsksOnceForARefusal(t *testing.T) {
	l := mustOpen(t, ledger.NewMemStore(), ledger.Options{})
	must(t, l.SetBudget("acme", budget(3)))
	for _, ns := range []string{"a", "b"} {
		_, err := l.AddNamespace("acme", ns)
		must(t, err)
	}
	g, err := l.Ensure("acme", "a", cpu, 1500)
	must(t, err)
	if g.Now != 500 || g.Moving != 0 {
		t.Fatalf("first refusal: got %+v, want 500m at once from free headroom", g)
	}
	g, err = l.Ensure("acme", "a", cpu, 1500)
	must(t, err)
	if g != (ledger.Grant{}) {
		t.Errorf("same refusal again: got %+v, want nothing", g)
	}
	// More than the tenant has: capped at its limit; b's usage is
	// unknown, so nothing is taken from it and the rest is short.
	g, err = l.Ensure("acme", "a", cpu, 9000)
	must(t, err)
	if v := view(t, l, "acme"); g != (ledger.Grant{Now: 1500, Short: 1000}) || v.Namespaces[0].Intended[cpu] != 3000 {
		t.Errorf("ensure beyond the limit: %+v, view %+v", g, v.Namespaces)
	}
}

// A namespace removed and added again under its name continues its
// predecessor's Seqs, so a late event of the old quota cannot hide the new
// quota's writes.
func TestReaddedNamespaceSeqContinues(t *testing.T) {
	l := mustOpen(t, ledger.NewMemStore(), ledger.DefaultOptions())
	must(t, l.SetBudget("acme", budget(3)))
	_, err := l.AddNamespace("acme", "a")
	must(t, err)
	must(t, l.Observe("acme", "a", ledger.Observation{Seq: 7}))
	must(t, l.RemoveNamespace("acme", "a"))
	w, err := l.AddNamespace("acme", "a")
	must(t, err)
	if w.Seq <= 7 {
		t.Errorf("re-added namespace's first write has Seq %d, want above the old quota's 7", w.Seq)
	}
}

// A namespace whose headroom is less than half its reserve grows, though
// its usage is below GrowAt: pods as large as its headroom would
// otherwise be refused for good, and no one would know.
func TestNamespaceWithoutHeadroomGrows(t *testing.T) {
	l, c := threeNamespaces(t, ledger.NewMemStore(), ledger.DefaultOptions())
	c.use("acme", "a", ledger.Amounts{cpu: 0, pods: 0})
	c.use("acme", "b", ledger.Amounts{cpu: 0, pods: 0})
	c.use("acme", "c", ledger.Amounts{cpu: 0, pods: 0})
	c.settle(t, l)
	_, err := l.Request("acme", "a", cpu, 5000) // b and c go down to their reserve
	must(t, err)
	c.settle(t, l)
	if n := nsView(t, l, "acme", "b"); n.Intended[cpu] != 125 {
		t.Fatalf("b at %d, want its 125m reserve", n.Intended[cpu])
	}
	// 100m of 125m: 80%, under GrowAt, but 25m of headroom fits no pod.
	c.use("acme", "b", ledger.Amounts{cpu: 100, pods: 1})
	c.settle(t, l)
	if n := nsView(t, l, "acme", "b"); n.Intended[cpu] < 100+125 {
		t.Errorf("b at %d with 100m used, want at least its usage plus the 125m reserve", n.Intended[cpu])
	}
	assertWithinBudget(t, l, c)
}
