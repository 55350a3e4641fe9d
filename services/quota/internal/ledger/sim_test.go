package ledger_test

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// cluster stands in for the API server's ResourceQuotas and the quota
// controller, with the writer contract of package ledger: a write older
// than the object's Seq is refused.
type cluster struct {
	quotas map[nsKey]*quota
}

type nsKey struct{ tenant, ns string }

type quota struct {
	seq          uint64
	spec, status ledger.Amounts
	used         ledger.Amounts
}

func newCluster() *cluster { return &cluster{quotas: map[nsKey]*quota{}} }

// apply is the writer storing w, if it is not older than the object.
func (c *cluster) apply(w ledger.Write) bool {
	k := nsKey{w.Tenant, w.Namespace}
	q := c.quotas[k]
	if q == nil {
		q = &quota{used: ledger.Amounts{}}
		c.quotas[k] = q
	}
	if w.Seq < q.seq {
		return false
	}
	q.seq, q.spec = w.Seq, maps.Clone(w.Hard)
	return true
}

// sync is the quota controller copying spec.hard into status.hard.
func (c *cluster) sync(k nsKey) {
	if q := c.quotas[k]; q != nil {
		q.status = maps.Clone(q.spec)
	}
}

func (c *cluster) observation(k nsKey) ledger.Observation {
	q := c.quotas[k]
	used := ledger.Amounts{} // status.used lists every resource of status.hard
	for r := range q.status {
		used[r] = q.used[r]
	}
	return ledger.Observation{Seq: q.seq, Spec: maps.Clone(q.spec), Status: maps.Clone(q.status), Used: used}
}

// settle drives the ledger and the cluster until nothing is pending:
// apply every write, sync every quota, observe every quota.
func (c *cluster) settle(t *testing.T, l *ledger.Ledger) {
	t.Helper()
	for range 20 {
		writes := l.Pending()
		for _, w := range writes {
			c.apply(w)
		}
		for _, k := range c.keys() {
			c.sync(k)
			if err := l.Observe(k.tenant, k.ns, c.observation(k)); err != nil {
				t.Fatalf("observe %v: %v", k, err)
			}
		}
		if len(writes) == 0 && len(l.Pending()) == 0 {
			return
		}
	}
	t.Fatalf("still pending after 20 rounds: %v", l.Pending())
}

func (c *cluster) keys() []nsKey {
	return slices.SortedFunc(maps.Keys(c.quotas), func(a, b nsKey) int {
		if a.tenant != b.tenant {
			return strings.Compare(a.tenant, b.tenant)
		}
		return strings.Compare(a.ns, b.ns)
	})
}

// remove is a namespace going away.
func (c *cluster) remove(tenant, ns string) { delete(c.quotas, nsKey{tenant, ns}) }

// use sets a namespace's usage (what the quota controller reports).
func (c *cluster) use(tenant, ns string, used ledger.Amounts) {
	c.quotas[nsKey{tenant, ns}].used = maps.Clone(used)
}

func mustOpen(t testing.TB, st ledger.Store, opts ledger.Options) *ledger.Ledger {
	t.Helper()
	l, err := ledger.Open(st, opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func view(t *testing.T, l *ledger.Ledger, tenant string) ledger.TenantView {
	t.Helper()
	v, err := l.Get(tenant)
	must(t, err)
	return v
}

func nsView(t *testing.T, l *ledger.Ledger, tenant, ns string) ledger.NamespaceView {
	t.Helper()
	for _, n := range view(t, l, tenant).Namespaces {
		if n.Name == ns {
			return n
		}
	}
	t.Fatalf("no namespace %s/%s", tenant, ns)
	return ledger.NamespaceView{}
}

func equalViews(a, b ledger.TenantView) bool { return reflect.DeepEqual(a, b) }

// sameDecisions compares what a crash must not lose: budget, intended
// hards, writes and moves (not observations).
func sameDecisions(a, b ledger.TenantView) bool {
	strip := func(v ledger.TenantView) ledger.TenantView {
		v.OverLimit = nil
		v.Namespaces = slices.Clone(v.Namespaces)
		for i := range v.Namespaces {
			v.Namespaces[i].Counted, v.Namespaces[i].Used, v.Namespaces[i].ObservedSeq = nil, nil, 0
		}
		return v
	}
	return reflect.DeepEqual(strip(a), strip(b))
}
