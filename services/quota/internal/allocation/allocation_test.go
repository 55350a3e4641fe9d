package allocation_test

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/landlord-dev/landlord/services/internal/apierror"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/quota/internal/allocation"
	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
	"github.com/landlord-dev/landlord/services/quota/internal/plans"
)

// world is the informer caches' content, for unit tests of the
// allocator's decisions.
type world struct {
	tenants    map[string]*v1alpha1.Tenant
	namespaces map[string]*corev1.Namespace
	quotas     map[string]*corev1.ResourceQuota
}

func (w *world) Tenant(name string) (*v1alpha1.Tenant, error) {
	if t, ok := w.tenants[name]; ok {
		return t, nil
	}
	return nil, fmt.Errorf("tenant %s: %w", name, apierror.ErrNotFound)
}

func (w *world) Namespace(name string) (*corev1.Namespace, error) {
	if ns, ok := w.namespaces[name]; ok {
		return ns, nil
	}
	return nil, fmt.Errorf("namespace %s: %w", name, apierror.ErrNotFound)
}

func (w *world) Quotas(ns string) ([]*corev1.ResourceQuota, error) {
	if rq, ok := w.quotas[ns]; ok {
		return []*corev1.ResourceQuota{rq}, nil
	}
	return nil, nil
}

func (w *world) addNamespace(t *v1alpha1.Tenant, name string) {
	yes := true
	w.namespaces[name] = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name,
		Labels:          map[string]string{v1alpha1.LabelTenant: t.Name},
		OwnerReferences: []metav1.OwnerReference{{UID: t.UID, Controller: &yes}}}}
}

// apply does what provisioning does: every pending write lands.
func (w *world) apply(l *ledger.Ledger) {
	for _, wr := range l.Pending() {
		hard := wr.Hard.ResourceList()
		w.quotas[wr.Namespace] = &corev1.ResourceQuota{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{v1alpha1.LabelTenant: wr.Tenant},
				Annotations: map[string]string{v1alpha1.AnnotationQuotaSeq: fmt.Sprint(wr.Seq)}},
			Spec:   corev1.ResourceQuotaSpec{Hard: hard},
			Status: corev1.ResourceQuotaStatus{Hard: hard, Used: corev1.ResourceList{}},
		}
	}
}

func setup(t *testing.T) (*allocation.Allocator, *world, *v1alpha1.Tenant) {
	t.Helper()
	store, err := plans.OpenStore(filepath.Join(t.TempDir(), "plans.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	l, err := ledger.Open(ledger.NewMemStore(), ledger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tn := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: "acme", UID: types.UID("uid-acme")},
		Spec: v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "a"}, {Name: "b"}}}}
	w := &world{tenants: map[string]*v1alpha1.Tenant{"acme": tn}, namespaces: map[string]*corev1.Namespace{}, quotas: map[string]*corev1.ResourceQuota{}}
	return &allocation.Allocator{Ledger: l, Plans: store, Cluster: w, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, w, tn
}

func names(v ledger.TenantView) []string {
	var out []string
	for _, n := range v.Namespaces {
		out = append(out, n.Name)
	}
	return out
}

// The ledger follows the Tenant: namespaces of its spec are added before
// they exist (their quota is created with them), a dropped one keeps its
// share until it terminates, and a gone Tenant is forgotten.
func TestReconcileFollowsTheTenant(t *testing.T) {
	a, w, tn := setup(t)
	must(t, a.Reconcile("acme"))
	v, err := a.Ledger.Get("acme")
	must(t, err)
	if got := names(v); fmt.Sprint(got) != "[acme-a acme-b]" || v.Budget.MaxNamespaces != 5 {
		t.Fatalf("ledger after first reconcile: %v, %d namespaces allowed", got, v.Budget.MaxNamespaces)
	}
	w.addNamespace(tn, "acme-a")
	w.addNamespace(tn, "acme-b")
	tn.Spec.Namespaces = tn.Spec.Namespaces[:1]
	must(t, a.Reconcile("acme"))
	v, _ = a.Ledger.Get("acme")
	if got := names(v); fmt.Sprint(got) != "[acme-a acme-b]" {
		t.Errorf("a dropped namespace that still admits objects lost its share: %v", got)
	}
	now := metav1.Now()
	w.namespaces["acme-b"].DeletionTimestamp = &now
	must(t, a.Reconcile("acme"))
	v, _ = a.Ledger.Get("acme")
	if got := names(v); fmt.Sprint(got) != "[acme-a]" {
		t.Errorf("a terminating namespace kept its share: %v", got)
	}
	delete(w.tenants, "acme")
	must(t, a.Reconcile("acme"))
	if _, err := a.Ledger.Get("acme"); err == nil {
		t.Error("a gone tenant is still in the ledger")
	}
}

// A namespace of the same name that is not the tenant's (another tenant's
// or the cluster's) never gets a share, and its quota is never read.
func TestForeignNamespaceIsNeverTheTenants(t *testing.T) {
	a, w, _ := setup(t)
	w.namespaces["acme-a"] = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "acme-a", Labels: map[string]string{v1alpha1.LabelTenant: "acme"}}}
	must(t, a.Reconcile("acme"))
	v, _ := a.Ledger.Get("acme")
	if got := names(v); fmt.Sprint(got) != "[acme-b]" {
		t.Errorf("ledger holds %v, want only acme-b", got)
	}
}

// A live namespace whose quota is gone counts as unbounded: nothing more
// is granted anywhere until its quota is back.
func TestMissingQuotaCountsUnbounded(t *testing.T) {
	a, w, tn := setup(t)
	w.addNamespace(tn, "acme-a")
	w.addNamespace(tn, "acme-b")
	must(t, a.Reconcile("acme"))
	v, _ := a.Ledger.Get("acme")
	for _, n := range v.Namespaces {
		if n.Counted["requests.cpu"] < ledger.MaxAmount {
			t.Errorf("%s has no quota yet counts %d CPU", n.Name, n.Counted["requests.cpu"])
		}
	}
}

func TestObservationReadsSeqAndRoundsUp(t *testing.T) {
	rq := &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{v1alpha1.AnnotationQuotaSeq: "42"}},
		Spec:       corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"requests.cpu": resource.MustParse("1500u"), "pods": resource.MustParse("3")}},
		Status:     corev1.ResourceQuotaStatus{Used: corev1.ResourceList{"requests.cpu": resource.MustParse("100m")}},
	}
	o := allocation.Observation(rq)
	if o.Seq != 42 || o.Spec["requests.cpu"] != 2 || o.Spec["pods"] != 3 || o.Used["requests.cpu"] != 100 || o.Status != nil {
		t.Errorf("observation %+v", o)
	}
}

// The two quotas of a namespace read as one: the older write, the lower
// limit and the higher use of a resource both name, and a status only
// once both have one.
func TestObservationJoinsANamespacesQuotas(t *testing.T) {
	quota := func(seq string, hard, used, status corev1.ResourceList) *corev1.ResourceQuota {
		return &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{v1alpha1.AnnotationQuotaSeq: seq}},
			Spec: corev1.ResourceQuotaSpec{Hard: hard}, Status: corev1.ResourceQuotaStatus{Hard: status, Used: used}}
	}
	q := resource.MustParse
	compute := quota("9", corev1.ResourceList{"pods": q("10"), "count/secrets": q("8")}, corev1.ResourceList{"pods": q("2"), "count/secrets": q("3")},
		corev1.ResourceList{"pods": q("10")})
	objects := quota("7", corev1.ResourceList{"count/secrets": q("5"), "services": q("2")}, corev1.ResourceList{"count/secrets": q("4")}, nil)
	o := allocation.Observation(compute, objects)
	if o.Seq != 7 || o.Spec["pods"] != 10 || o.Spec["count/secrets"] != 5 || o.Spec["services"] != 2 ||
		o.Used["pods"] != 2 || o.Used["count/secrets"] != 4 || o.Status != nil {
		t.Errorf("observation %+v", o)
	}
	objects.Status.Hard = objects.Spec.Hard
	if o := allocation.Observation(objects, compute); o.Seq != 7 || o.Status["pods"] != 10 || o.Status["count/secrets"] != 5 {
		t.Errorf("both synced: %+v", o)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
