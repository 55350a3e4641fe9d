package ledger_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
)

const cpu, pods = "requests.cpu", "pods"

// budget is 4 CPU and 10 pods, a guaranteed 100m and 1 pod per namespace,
// and 1 CPU and 3 pods to start with.
func budget(maxNS int) ledger.Budget {
	return ledger.Budget{
		Limits:        ledger.Amounts{cpu: 4000, pods: 10},
		Min:           ledger.Amounts{cpu: 100, pods: 1},
		Initial:       ledger.Amounts{cpu: 1000, pods: 3},
		MaxNamespaces: maxNS,
	}
}

func TestSetBudgetRefusesBadInput(t *testing.T) {
	l := mustOpen(t, ledger.NewMemStore(), ledger.DefaultOptions())
	must(t, l.SetBudget("acme", budget(3)))
	for name, b := range map[string]ledger.Budget{
		"negative limit":       {Limits: ledger.Amounts{cpu: -1, pods: 1}},
		"huge limit":           {Limits: ledger.Amounts{cpu: ledger.MaxAmount + 1, pods: 1}},
		"min above limit":      {Limits: ledger.Amounts{cpu: 10, pods: 1}, Min: ledger.Amounts{cpu: 11}},
		"min without limit":    {Limits: ledger.Amounts{cpu: 10, pods: 1}, Min: ledger.Amounts{"limits.cpu": 1}},
		"managed resource out": {Limits: ledger.Amounts{cpu: 10}},
		"negative namespaces":  {Limits: ledger.Amounts{cpu: 10, pods: 1}, MaxNamespaces: -1},
		"empty resource":       {Limits: ledger.Amounts{cpu: 10, pods: 1, "": 1}},
	} {
		var inv *apierror.InvalidArgumentError
		if err := l.SetBudget("acme", b); !errors.As(err, &inv) {
			t.Errorf("%s: got %v, want InvalidArgument", name, err)
		}
	}
	if v := view(t, l, "acme"); v.Budget.Limits[cpu] != 4000 {
		t.Errorf("a refused budget changed the ledger: %+v", v.Budget)
	}
	if err := l.SetBudget("", budget(1)); err == nil {
		t.Error("empty tenant name accepted")
	}
}

func TestUnknownTenantAndNamespace(t *testing.T) {
	l := mustOpen(t, ledger.NewMemStore(), ledger.DefaultOptions())
	if _, err := l.AddNamespace("nope", "a"); !errors.Is(err, apierror.ErrNotFound) {
		t.Errorf("AddNamespace on unknown tenant: %v", err)
	}
	must(t, l.SetBudget("acme", budget(3)))
	if _, err := l.Request("acme", "nope", cpu, 1); !errors.Is(err, apierror.ErrNotFound) {
		t.Errorf("Request on unknown namespace: %v", err)
	}
	if err := l.Observe("acme", "nope", ledger.Observation{}); !errors.Is(err, apierror.ErrNotFound) {
		t.Errorf("Observe on unknown namespace: %v", err)
	}
	_, err := l.AddNamespace("acme", "a")
	must(t, err)
	var inv *apierror.InvalidArgumentError
	if _, err := l.Request("acme", "a", "limits.memory", 1); !errors.As(err, &inv) {
		t.Errorf("Request of an unbudgeted resource: %v", err)
	}
	if _, err := l.Request("acme", "a", cpu, 0); !errors.As(err, &inv) {
		t.Errorf("Request of nothing: %v", err)
	}
	must(t, l.RemoveTenant("acme"))
	if _, err := l.Get("acme"); !errors.Is(err, apierror.ErrNotFound) {
		t.Errorf("Get after RemoveTenant: %v", err)
	}
}

func TestAddNamespaceInitialShareAndCountLimit(t *testing.T) {
	l := mustOpen(t, ledger.NewMemStore(), ledger.DefaultOptions())
	must(t, l.SetBudget("acme", budget(2)))
	w, err := l.AddNamespace("acme", "a")
	must(t, err)
	if w.Hard[cpu] != 1000 || w.Hard[pods] != 3 || w.Seq != 1 {
		t.Errorf("first write %+v, want the initial share at seq 1", w)
	}
	if _, err := l.AddNamespace("acme", "a"); !errors.Is(err, apierror.ErrAlreadyExists) {
		t.Errorf("adding a namespace twice: %v", err)
	}
	_, err = l.AddNamespace("acme", "b")
	must(t, err)
	var qe *apierror.QuotaExceededError
	_, err = l.AddNamespace("acme", "c")
	if !errors.As(err, &qe) || !strings.Contains(qe.Description, "namespaces: 2 of 2") {
		t.Fatalf("third namespace of two allowed: %v", err)
	}
	if n := len(view(t, l, "acme").Namespaces); n != 2 {
		t.Errorf("refused namespace recorded: %d namespaces", n)
	}
	// Lowering the count evicts nothing; the tenant shows over its limit.
	b := budget(1)
	must(t, l.SetBudget("acme", b))
	if v := view(t, l, "acme"); len(v.Namespaces) != 2 || !slices.Contains(v.OverLimit, "namespaces") {
		t.Errorf("after lowering the count: %d namespaces, over limit %v", len(v.Namespaces), v.OverLimit)
	}
}

func TestAddNamespaceRefusedWithoutGuaranteedMinimum(t *testing.T) {
	l := mustOpen(t, ledger.NewMemStore(), ledger.DefaultOptions())
	c := newCluster()
	b := budget(5)
	b.Min[cpu] = 1500
	b.Initial[cpu] = 2000
	must(t, l.SetBudget("acme", b))
	for _, ns := range []string{"a", "b"} {
		_, err := l.AddNamespace("acme", ns)
		must(t, err)
	}
	c.settle(t, l)
	// a and b hold 2000 each; usage keeps both at 1500 at least.
	c.use("acme", "a", ledger.Amounts{cpu: 1900, pods: 0})
	c.use("acme", "b", ledger.Amounts{cpu: 1900, pods: 0})
	c.settle(t, l)
	before := view(t, l, "acme")
	var qe *apierror.QuotaExceededError
	_, err := l.AddNamespace("acme", "c")
	if !errors.As(err, &qe) || !strings.Contains(qe.Description, cpu) {
		t.Fatalf("namespace without its guaranteed minimum admitted: %v", err)
	}
	if after := view(t, l, "acme"); !equalViews(after, before) {
		t.Errorf("refused namespace left traces: %+v", after)
	}
}

func TestRequestTakesFreeHeadroomAtOnce(t *testing.T) {
	l := mustOpen(t, ledger.NewMemStore(), ledger.Options{})
	c := newCluster()
	must(t, l.SetBudget("acme", budget(3)))
	_, err := l.AddNamespace("acme", "a")
	must(t, err)
	c.settle(t, l)
	g, err := l.Request("acme", "a", cpu, 2500)
	must(t, err)
	if g != (ledger.Grant{Now: 2500}) {
		t.Errorf("grant %+v, want 2500 now", g)
	}
	g, err = l.Request("acme", "a", cpu, 1000)
	must(t, err)
	if g != (ledger.Grant{Now: 500, Short: 500}) {
		t.Errorf("grant %+v, want the last 500 now and 500 short", g)
	}
	c.settle(t, l)
	if n := nsView(t, l, "acme", "a"); n.Intended[cpu] != 4000 || n.Counted[cpu] != 4000 {
		t.Errorf("a holds %+v, want the whole 4000", n)
	}
}

func TestBudgetRaiseAndNewResource(t *testing.T) {
	l := mustOpen(t, ledger.NewMemStore(), ledger.Options{})
	c := newCluster()
	must(t, l.SetBudget("acme", budget(3)))
	for _, ns := range []string{"a", "b"} {
		_, err := l.AddNamespace("acme", ns)
		must(t, err)
	}
	c.settle(t, l)
	b := budget(3)
	b.Limits["limits.memory"] = 3 << 30
	b.Initial["limits.memory"] = 2 << 30
	must(t, l.SetBudget("acme", b))
	// The quotas lack the new resource: unlimited there until written.
	if n := nsView(t, l, "acme", "a"); n.Counted["limits.memory"] < ledger.MaxAmount {
		t.Errorf("a quota without the new resource counts %d", n.Counted["limits.memory"])
	}
	if g, err := l.Request("acme", "a", "limits.memory", 1); err != nil || g.Now != 0 {
		t.Errorf("granted %+v, %v while the resource is unbounded", g, err)
	}
	c.settle(t, l)
	if a, bb := nsView(t, l, "acme", "a"), nsView(t, l, "acme", "b"); a.Intended["limits.memory"] != 2<<30 || bb.Intended["limits.memory"] != 1<<30 {
		t.Errorf("new resource split %d/%d, want 2Gi/1Gi", a.Intended["limits.memory"], bb.Intended["limits.memory"])
	}
}

func TestObservationRules(t *testing.T) {
	l := mustOpen(t, ledger.NewMemStore(), ledger.Options{})
	c := newCluster()
	must(t, l.SetBudget("acme", budget(3)))
	for _, ns := range []string{"a", "b"} {
		_, err := l.AddNamespace("acme", ns)
		must(t, err)
	}
	c.settle(t, l)
	full := ledger.Amounts{cpu: 1000, pods: 3}
	// A quota deleted from the cluster leaves its namespace unlimited: no
	// grant of anything until the ledger's write is back.
	must(t, l.Observe("acme", "a", ledger.Observation{Seq: 1}))
	if g, _ := l.Request("acme", "b", cpu, 100); g.Now != 0 || g.Moving != 0 {
		t.Errorf("granted %+v beside an unlimited namespace", g)
	}
	if len(l.Pending()) != 1 {
		t.Errorf("the missing quota is not re-driven: %v", l.Pending())
	}
	// An empty status (controller not synced: admission refuses all) is
	// ignored; a status missing a resource is unlimited in it.
	must(t, l.Observe("acme", "a", ledger.Observation{Seq: 1, Spec: full, Status: ledger.Amounts{}}))
	if n := nsView(t, l, "acme", "a"); n.Counted[cpu] != 1000 {
		t.Errorf("empty status: counted %d", n.Counted[cpu])
	}
	must(t, l.Observe("acme", "a", ledger.Observation{Seq: 1, Spec: full, Status: ledger.Amounts{pods: 3}}))
	if n := nsView(t, l, "acme", "a"); n.Counted[cpu] < ledger.MaxAmount || n.Counted[pods] != 3 {
		t.Errorf("status without cpu: counted %v", n.Counted)
	}
	// Observations older than the last one are ignored.
	must(t, l.Observe("acme", "a", ledger.Observation{Seq: 1, Spec: full, Status: full}))
	must(t, l.Observe("acme", "a", ledger.Observation{Seq: 0}))
	if n := nsView(t, l, "acme", "a"); n.Counted[cpu] != 1000 {
		t.Errorf("stale observation counted: %v", n.Counted)
	}
	// A cluster ahead of the ledger (restored backup): later writes must
	// carry a higher Seq, or the writer would refuse them.
	must(t, l.Observe("acme", "b", ledger.Observation{Seq: 40, Spec: full, Status: full}))
	_, err := l.Request("acme", "b", cpu, 100)
	must(t, err)
	for _, w := range l.Pending() {
		if w.Namespace == "b" && w.Seq <= 40 {
			t.Errorf("write %+v would be refused", w)
		}
	}
}

func TestAutoGrowNearTheLimit(t *testing.T) {
	l := mustOpen(t, ledger.NewMemStore(), ledger.DefaultOptions())
	c := newCluster()
	must(t, l.SetBudget("acme", budget(3)))
	_, err := l.AddNamespace("acme", "a")
	must(t, err)
	c.settle(t, l)
	c.use("acme", "a", ledger.Amounts{cpu: 850, pods: 1})
	c.settle(t, l)
	if n := nsView(t, l, "acme", "a"); n.Intended[cpu] != 1000 {
		t.Errorf("grew at 85%%: %d", n.Intended[cpu])
	}
	c.use("acme", "a", ledger.Amounts{cpu: 900, pods: 1})
	c.settle(t, l)
	if n := nsView(t, l, "acme", "a"); n.Intended[cpu] != 1800 {
		t.Errorf("at 90%% grew to %d, want 1800 (900 is half)", n.Intended[cpu])
	}
}

func TestFailedSaveChangesNothing(t *testing.T) {
	st := &faultyStore{Store: ledger.NewMemStore()}
	l := mustOpen(t, st, ledger.Options{})
	must(t, l.SetBudget("acme", budget(3)))
	_, err := l.AddNamespace("acme", "a")
	must(t, err)
	before, pending := view(t, l, "acme"), l.Pending()
	st.fail = true
	if _, err := l.Request("acme", "a", cpu, 1000); err == nil {
		t.Fatal("request succeeded without saving")
	}
	if _, err := l.AddNamespace("acme", "b"); err == nil {
		t.Fatal("namespace added without saving")
	}
	if err := l.SetBudget("acme", budget(1)); err == nil {
		t.Fatal("budget set without saving")
	}
	if after := view(t, l, "acme"); !equalViews(before, after) || len(l.Pending()) != len(pending) {
		t.Errorf("failed saves changed the ledger:\n%+v\n%+v", before, after)
	}
}

type faultyStore struct {
	ledger.Store
	fail bool
}

func (s *faultyStore) Save(rec *ledger.TenantRecord) error {
	if s.fail {
		return errors.New("disk on fire")
	}
	return s.Store.Save(rec)
}

func TestChangedSignalsNewWrites(t *testing.T) {
	l := mustOpen(t, ledger.NewMemStore(), ledger.Options{})
	must(t, l.SetBudget("acme", budget(3)))
	select {
	case <-l.Changed():
		t.Fatal("signalled without writes")
	default:
	}
	_, err := l.AddNamespace("acme", "a")
	must(t, err)
	select {
	case <-l.Changed():
	default:
		t.Fatal("no signal for the new namespace's write")
	}
}

func TestOpenRefusesBadOptions(t *testing.T) {
	for _, o := range []ledger.Options{{GrowAt: 1001, GrowTo: 750}, {GrowAt: 900}, {GrowAt: 700, GrowTo: 800}, {GrowAt: -1}} {
		if _, err := ledger.Open(ledger.NewMemStore(), o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func TestOnAskHearsEveryDecisionAndNoAskForNothing(t *testing.T) {
	var heard []ledger.Grant
	l := mustOpen(t, ledger.NewMemStore(), ledger.Options{OnAsk: func(g ledger.Grant, took time.Duration) {
		if took <= 0 {
			t.Errorf("decision took %v", took)
		}
		heard = append(heard, g)
	}})
	c := newCluster()
	must(t, l.SetBudget("acme", budget(3)))
	_, err := l.AddNamespace("acme", "a")
	must(t, err)
	c.settle(t, l)
	_, err = l.Request("acme", "a", cpu, 2500)
	must(t, err)
	_, err = l.Ensure("acme", "a", cpu, 1000) // already holds more: nothing to decide
	must(t, err)
	_, err = l.Request("acme", "a", cpu, 1000)
	must(t, err)
	if _, err := l.Request("acme", "nope", cpu, 1); err == nil {
		t.Fatal("an unknown namespace was granted")
	}
	want := []ledger.Grant{{Now: 2500}, {Now: 500, Short: 500}}
	if !slices.Equal(heard, want) {
		t.Errorf("OnAsk heard %+v, want %+v", heard, want)
	}
	if n := l.PendingTenants(); n != 1 {
		t.Errorf("%d tenants pending before the cluster shows the grants, want 1", n)
	}
	c.settle(t, l)
	if n := l.PendingTenants(); n != 0 {
		t.Errorf("%d tenants pending once settled, want 0", n)
	}
}
