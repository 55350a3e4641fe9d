package ledger_test

import (
	"path/filepath"
	"testing"

	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
	"github.com/landlord-dev/landlord/services/quota/internal/ledger/store"
)

// threeNamespaces is a settled tenant with a, b, c at 1 CPU each of 4.
func threeNamespaces(t *testing.T, st ledger.Store, opts ledger.Options) (*ledger.Ledger, *cluster) {
	t.Helper()
	l := mustOpen(t, st, opts)
	c := newCluster()
	must(t, l.SetBudget("acme", budget(3)))
	for _, ns := range []string{"a", "b", "c"} {
		_, err := l.AddNamespace("acme", ns)
		must(t, err)
	}
	c.settle(t, l)
	return l, c
}

func TestMoveGrowsRecipientOnlyOnceDonorShrinkIsInEffect(t *testing.T) {
	l, c := threeNamespaces(t, ledger.NewMemStore(), ledger.Options{})
	c.use("acme", "a", ledger.Amounts{cpu: 400, pods: 0})
	c.settle(t, l)
	g, err := l.Request("acme", "c", cpu, 2500)
	must(t, err)
	// 1000 free at once; by moves, 875 from b (down to the reserve, an
	// eighth of its initial share, above its 100m minimum) and 475 from a
	// (down to its usage plus the reserve); 150 short.
	if g != (ledger.Grant{Now: 1000, Moving: 1350, Short: 150}) {
		t.Fatalf("grant %+v", g)
	}
	if n := nsView(t, l, "acme", "c"); n.Intended[cpu] != 2000 {
		t.Fatalf("c grew to %d before any shrink was confirmed", n.Intended[cpu])
	}
	// Phase one in the ledger: donors' intended hards fell, but they still
	// count at their old limits.
	for ns, want := range map[string]int64{"a": 525, "b": 125} {
		if n := nsView(t, l, "acme", ns); n.Intended[cpu] != want || n.Counted[cpu] != 1000 {
			t.Errorf("%s: intended %d counted %d, want %d and 1000", ns, n.Intended[cpu], n.Counted[cpu], want)
		}
	}
	// The writer applies the shrinks; the controller has not synced them.
	for _, w := range l.Pending() {
		c.apply(w)
	}
	for _, ns := range []string{"a", "b"} {
		must(t, l.Observe("acme", ns, c.observation(nsKey{"acme", ns})))
	}
	if n := nsView(t, l, "acme", "c"); n.Intended[cpu] != 2000 {
		t.Fatalf("c grew to %d on spec alone: status.hard is what admission enforces", n.Intended[cpu])
	}
	// status.hard of b only: b's move completes, a's waits.
	c.sync(nsKey{"acme", "b"})
	must(t, l.Observe("acme", "b", c.observation(nsKey{"acme", "b"})))
	if n := nsView(t, l, "acme", "c"); n.Intended[cpu] != 2875 {
		t.Errorf("c at %d after b's shrink took effect, want 2875", n.Intended[cpu])
	}
	c.settle(t, l)
	if n := nsView(t, l, "acme", "c"); n.Intended[cpu] != 3350 || len(view(t, l, "acme").Moves) != 0 {
		t.Errorf("c at %d after both shrinks, want 3350", n.Intended[cpu])
	}
}

// TestNamespaceReachesNearlyWholeBudget is the acceptance shape: 4
// CPU over 3 namespaces; with two idle, the third reaches ≥ 3.5 CPU, by
// its own growth at 90% usage and by requests after refused creates.
func TestNamespaceReachesNearlyWholeBudget(t *testing.T) {
	l, c := threeNamespaces(t, ledger.NewMemStore(), ledger.DefaultOptions())
	used := int64(0)
	for range 100 {
		hard := nsView(t, l, "acme", "c").Intended[cpu]
		if used+100 > hard { // the create of a 100m pod is refused
			if _, err := l.Request("acme", "c", cpu, used+100-hard); err != nil {
				t.Fatal(err)
			}
		} else {
			used += 100
			c.use("acme", "c", ledger.Amounts{cpu: used, pods: 1})
		}
		c.settle(t, l)
		assertWithinBudget(t, l, c)
	}
	if n := nsView(t, l, "acme", "c"); used < 3500 || n.Intended[cpu] != 3750 {
		t.Errorf("c uses %d of %d; want ≥ 3500 of 3750 (4000 - the 125m each idle sibling keeps)", used, n.Intended[cpu])
	}
}

// assertWithinBudget checks the cluster itself: Σ status.hard and
// spec.hard of every quota within the budget.
func assertWithinBudget(t *testing.T, l *ledger.Ledger, c *cluster) {
	t.Helper()
	sums := map[string]int64{}
	for k, q := range c.quotas {
		for r, v := range q.spec {
			sums[k.tenant+"/"+r] += max(v, q.status[r])
		}
	}
	for k, s := range sums {
		tenant, r, _ := cut(k)
		if limit := view(t, l, tenant).Budget.Limits[r]; s > limit {
			t.Fatalf("%s: cluster holds %d of %d", k, s, limit)
		}
	}
}

func cut(s string) (string, string, bool) {
	for i := range s {
		if s[i] == '/' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func TestLateWriteOfOldLimitIsCounted(t *testing.T) {
	l, c := threeNamespaces(t, ledger.NewMemStore(), ledger.Options{})
	// a grows to 2000; the writer takes the write but is slow to apply it.
	_, err := l.Request("acme", "a", cpu, 1000)
	must(t, err)
	slow := l.Pending()
	// The budget falls to 3 CPU: a is cut back before its grow landed.
	b := budget(3)
	b.Limits[cpu] = 3000
	must(t, l.SetBudget("acme", b))
	if n := nsView(t, l, "acme", "a"); n.Intended[cpu] != 1000 || n.Counted[cpu] != 2000 {
		t.Fatalf("a: intended %d counted %d; the handed-out 2000 may still land", n.Intended[cpu], n.Counted[cpu])
	}
	// Nothing can be granted to b while a's old write may land.
	if g, _ := l.Request("acme", "b", cpu, 1000); g.Now != 0 {
		t.Fatalf("granted %+v while a's 2000 is in flight", g)
	}
	// The old write lands, then the new one; the other order is refused.
	for _, w := range slow {
		c.apply(w)
	}
	c.settle(t, l)
	assertWithinBudget(t, l, c)
	for _, w := range slow {
		if c.apply(w) {
			t.Errorf("stale write %+v applied over a newer one", w)
		}
	}
}

func TestLoweredBudgetShrinksTowardUsageAndEvictsNothing(t *testing.T) {
	l, c := threeNamespaces(t, ledger.NewMemStore(), ledger.Options{})
	c.use("acme", "a", ledger.Amounts{cpu: 900, pods: 1})
	c.use("acme", "b", ledger.Amounts{cpu: 50, pods: 1})
	c.use("acme", "c", ledger.Amounts{cpu: 600, pods: 1})
	c.settle(t, l)
	_, err := l.Request("acme", "c", cpu, 1000) // 1000 free: c at 2000
	must(t, err)
	c.settle(t, l)
	// Open a move that the budget change must cancel.
	_, err = l.Request("acme", "a", cpu, 300)
	must(t, err)
	b := budget(3)
	b.Limits[cpu] = 2000
	must(t, l.SetBudget("acme", b))
	c.settle(t, l)
	v := view(t, l, "acme")
	// c 2000 gave 300 to a's move, cancelled: 3700 down to 2000, toward
	// max(usage, 100m) = 900, 100, 600, levelling the slacks 100, 900 and
	// 1100 to 100, 150, 150.
	want := map[string]int64{"a": 1000, "b": 250, "c": 750}
	for _, n := range v.Namespaces {
		if n.Intended[cpu] != want[n.Name] {
			t.Errorf("%s at %d, want %d", n.Name, n.Intended[cpu], want[n.Name])
		}
	}
	if len(v.Moves) != 0 || len(v.OverLimit) != 0 {
		t.Errorf("moves %v, over limit %v", v.Moves, v.OverLimit)
	}
	// Below usage: 1000 for 1550 used; each keeps its share of the limit.
	b.Limits[cpu] = 1000
	must(t, l.SetBudget("acme", b))
	c.settle(t, l)
	v = view(t, l, "acme")
	var sum int64
	for _, n := range v.Namespaces {
		sum += n.Intended[cpu]
	}
	if sum > 1000 || len(v.OverLimit) != 1 || v.OverLimit[0] != cpu {
		t.Errorf("sum %d, over limit %v", sum, v.OverLimit)
	}
	if g, _ := l.Request("acme", "b", cpu, 1); g.Now != 0 || g.Moving != 0 {
		t.Errorf("granted %+v while over the limit", g)
	}
	assertWithinBudget(t, l, c)
}

func TestRemoveNamespaceReturnsItsShare(t *testing.T) {
	l, c := threeNamespaces(t, ledger.NewMemStore(), ledger.Options{})
	_, err := l.Request("acme", "c", cpu, 2500) // 1000 now, 750 from a and b each
	must(t, err)
	if v := view(t, l, "acme"); len(v.Moves) != 2 || v.Moves[0].Amount != 750 || v.Moves[1].Amount != 750 {
		t.Fatalf("moves %+v, want 750 from a and b", v.Moves)
	}
	must(t, l.RemoveNamespace("acme", "b")) // b's move to c completes
	c.remove("acme", "b")
	if n := nsView(t, l, "acme", "c"); n.Intended[cpu] != 2750 {
		t.Errorf("c at %d after its donor b went away, want 2750", n.Intended[cpu])
	}
	must(t, l.RemoveNamespace("acme", "c")) // a's move to c is dropped
	c.remove("acme", "c")
	c.settle(t, l)
	if v := view(t, l, "acme"); len(v.Moves) != 0 || len(v.Namespaces) != 1 {
		t.Errorf("left %+v", v)
	}
	g, err := l.Request("acme", "a", cpu, 4000)
	must(t, err)
	if g.Now != 3750 { // a holds 250 after its shrink
		t.Errorf("grant %+v, want 3750 now", g)
	}
}

// TestCrashBetweenPhases reopens the bbolt file between the phases of a
// move, with the donor's write applied or not, and checks that the move
// resumes: never both the donor's old limit and the recipient's new one.
func TestCrashBetweenPhases(t *testing.T) {
	for _, applied := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "ledger.db")
		st, err := store.Open(path, store.Options{})
		must(t, err)
		l, c := threeNamespaces(t, st, ledger.Options{})
		_, err = l.Request("acme", "c", cpu, 2000) // 1000 now, 1000 from a or b
		must(t, err)
		if applied {
			for _, w := range l.Pending() {
				c.apply(w)
			}
		}
		before := view(t, l, "acme")
		must(t, st.Close())

		st, err = store.Open(path, store.Options{})
		must(t, err)
		l = mustOpen(t, st, ledger.Options{})
		if after := view(t, l, "acme"); !sameDecisions(before, after) {
			t.Fatalf("applied=%v: reopened ledger differs:\n%+v\n%+v", applied, before, after)
		}
		if n := nsView(t, l, "acme", "c"); n.Intended[cpu] != 2000 {
			t.Errorf("applied=%v: c at %d before the donor's shrink showed", applied, n.Intended[cpu])
		}
		c.settle(t, l)
		assertWithinBudget(t, l, c)
		if n := nsView(t, l, "acme", "c"); n.Intended[cpu] != 3000 {
			t.Errorf("applied=%v: c at %d after the resumed move, want 3000", applied, n.Intended[cpu])
		}
		must(t, st.Close())
	}
}
