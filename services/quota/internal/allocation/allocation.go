// Package allocation keeps the ledger in step with the cluster. For one
// tenant at a time it reads everything from the informer caches (the
// Tenant, its namespaces and their ResourceQuotas), and tells the ledger
// the tenant's budget (plan and overrides), which namespaces it has and
// what their quotas show. It is level-triggered: running Reconcile again
// changes nothing, so events may be lost, merged or reordered.
package allocation

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
	"github.com/landlord-dev/landlord/services/quota/internal/plans"
)

// Cluster reads the informer caches.
type Cluster interface {
	Tenant(name string) (*v1alpha1.Tenant, error)
	Namespace(name string) (*corev1.Namespace, error)
	// Quotas are the namespace's Landlord ResourceQuotas that exist (of
	// v1alpha1.QuotaNames).
	Quotas(namespace string) ([]*corev1.ResourceQuota, error)
}

// Plans are the stored plans and overrides.
type Plans interface {
	GetPlan(name string) (*quotav1.Plan, error)
	GetOverrides(tenant string) (*quotav1.Overrides, string, error)
	DeleteOverrides(tenant string) error
}

// Allocator reconciles tenants into the ledger.
type Allocator struct {
	Ledger  *ledger.Ledger
	Plans   Plans
	Cluster Cluster
	Log     *slog.Logger

	// budgets remembers, per tenant, the plan and overrides versions its
	// budget was last set from: quota status changes with every admitted
	// object, and reconciles for them need not parse the plan again.
	budgets sync.Map // tenant → string
}

// Reconcile brings one tenant's ledger in step with the cluster.
func (a *Allocator) Reconcile(name string) error {
	t, err := a.Cluster.Tenant(name)
	if errors.Is(err, apierror.ErrNotFound) {
		return a.forget(name)
	}
	if err != nil {
		return err
	}
	plan, err := a.Plans.GetPlan(t.Spec.Plan)
	if errors.Is(err, apierror.ErrNotFound) {
		// Provisioning reports the unknown plan; the tenant keeps the
		// budget it had, if any.
		a.Log.Debug("tenant on an unknown plan", "tenant", name, "plan", t.Spec.Plan)
		return a.observeAll(t)
	}
	if err != nil {
		return err
	}
	overrides, etag, err := a.Plans.GetOverrides(name)
	if err != nil {
		return err
	}
	if version := plan.GetName() + "/" + plan.GetEtag() + "/" + etag; !a.budgetIs(name, version) {
		budget, err := plans.Budget(plan, overrides)
		if err != nil {
			return fmt.Errorf("tenant %s: budget: %w", name, err)
		}
		if err := a.Ledger.SetBudget(name, budget); err != nil {
			return err
		}
		a.budgets.Store(name, version)
	}
	if err := a.namespaces(t); err != nil {
		return err
	}
	// A hibernated tenant's headroom goes back to its budget; waking
	// takes it back (ledger.SetAsleep).
	if err := a.Ledger.SetAsleep(name, t.Spec.Hibernation.Hibernated); err != nil {
		return err
	}
	return a.observeAll(t)
}

// forget drops a tenant that is gone: its namespaces were terminating
// before its Tenant could go, so their quotas no longer matter.
func (a *Allocator) forget(name string) error {
	a.budgets.Delete(name)
	if err := a.Ledger.RemoveTenant(name); err != nil && !errors.Is(err, apierror.ErrNotFound) {
		return err
	}
	return a.Plans.DeleteOverrides(name)
}

// budgetIs: the tenant's budget was set from version (forget drops it
// with the tenant).
func (a *Allocator) budgetIs(name, version string) bool {
	v, ok := a.budgets.Load(name)
	return ok && v.(string) == version
}

// namespaceState is what the cluster says of a namespace for a tenant.
type namespaceState int

const (
	absent      namespaceState = iota // not created yet, or gone
	live                              // the tenant's, admitting objects
	terminating                       // admits nothing new: its quota no longer matters
	foreign                           // someone else's: never the tenant's
)

func (a *Allocator) state(t *v1alpha1.Tenant, name string) (namespaceState, error) {
	ns, err := a.Cluster.Namespace(name)
	switch {
	case errors.Is(err, apierror.ErrNotFound):
		return absent, nil
	case err != nil:
		return absent, err
	case !v1alpha1.Owns(t, ns):
		return foreign, nil
	case !ns.DeletionTimestamp.IsZero():
		return terminating, nil
	}
	return live, nil
}

// namespaces adds the namespaces the spec asks for and removes those that
// admit nothing any more. A namespace the spec dropped keeps its share
// until it terminates: until then its quota is still what it may use.
func (a *Allocator) namespaces(t *v1alpha1.Tenant) error {
	desired := map[string]bool{}
	if t.DeletionTimestamp.IsZero() {
		for _, ns := range t.Spec.Namespaces {
			desired[v1alpha1.ClusterName(t.Name, ns.Name)] = true
		}
	}
	view, err := a.Ledger.Get(t.Name)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, nv := range view.Namespaces {
		have[nv.Name] = true
		st, err := a.state(t, nv.Name)
		if err != nil {
			return err
		}
		if st == terminating || st == foreign || (st == absent && !desired[nv.Name]) {
			if err := a.Ledger.RemoveNamespace(t.Name, nv.Name); err != nil && !errors.Is(err, apierror.ErrNotFound) {
				return err
			}
			delete(have, nv.Name)
		}
	}
	for _, name := range sortedKeys(desired) {
		if have[name] {
			continue
		}
		if st, err := a.state(t, name); err != nil || st == terminating || st == foreign {
			continue // added again once it is gone, or never
		}
		_, err := a.Ledger.AddNamespace(t.Name, name)
		var full *apierror.QuotaExceededError
		switch {
		case errors.As(err, &full):
			// The API refuses such namespaces; this one got in before a
			// limit was lowered. It gets no quota, so nothing runs in it.
			a.Log.Info("namespace refused by the tenant's budget", "tenant", t.Name, "namespace", name, "reason", full.Description)
		case err != nil && !errors.Is(err, apierror.ErrAlreadyExists):
			return err
		}
	}
	return nil
}

// observeAll tells the ledger what every live namespace's quota shows. A
// live namespace without its quota is unbounded, and counts so.
func (a *Allocator) observeAll(t *v1alpha1.Tenant) error {
	view, err := a.Ledger.Get(t.Name)
	if errors.Is(err, apierror.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, nv := range view.Namespaces {
		if st, err := a.state(t, nv.Name); err != nil || st != live {
			continue
		}
		rqs, err := a.Cluster.Quotas(nv.Name)
		if err != nil {
			return err
		}
		var o ledger.Observation
		switch mine := slices.DeleteFunc(slices.Clone(rqs), func(rq *corev1.ResourceQuota) bool { return rq.Labels[v1alpha1.LabelTenant] != t.Name }); {
		case len(rqs) == 0:
			// The quotas last seen are gone: same Seq, no quota at all.
			o = ledger.Observation{Seq: nv.ObservedSeq}
		case len(mine) == 0:
			continue
		default:
			o = Observation(mine...)
		}
		if err := a.Ledger.Observe(t.Name, nv.Name, o); err != nil && !errors.Is(err, apierror.ErrNotFound) {
			return err
		}
	}
	return nil
}

// Observation is what a namespace's ResourceQuotas (one or both of
// v1alpha1.QuotaNames) show the ledger. Quantities round up (counting
// more is the safe side); one that cannot be read is left out, which
// makes its resource unbounded in spec and unknown in usage. Together
// they hold the oldest write either holds; a resource both limit (one
// quota holding everything, from before the split, meets the new one)
// is limited by the lower, and used as the higher says. Status counts
// only once every quota has one.
func Observation(rqs ...*corev1.ResourceQuota) ledger.Observation {
	var o ledger.Observation
	synced := true
	for i, rq := range rqs {
		seq, _ := strconv.ParseUint(rq.Annotations[v1alpha1.AnnotationQuotaSeq], 10, 64)
		if i == 0 || seq < o.Seq {
			o.Seq = seq
		}
		o.Spec = merge(o.Spec, amounts(rq.Spec.Hard), lower)
		o.Used = merge(o.Used, amounts(rq.Status.Used), higher)
		synced = synced && len(rq.Status.Hard) > 0
		if synced {
			o.Status = merge(o.Status, amounts(rq.Status.Hard), lower)
		}
	}
	if !synced {
		o.Status = nil
	}
	return o
}

func lower(x, y int64) int64  { return min(x, y) }
func higher(x, y int64) int64 { return max(x, y) }

// merge adds b's amounts to a, combining those in both with pick.
func merge(a, b ledger.Amounts, pick func(x, y int64) int64) ledger.Amounts {
	if a == nil {
		return b
	}
	for r, v := range b {
		if old, ok := a[r]; ok {
			v = pick(old, v)
		}
		a[r] = v
	}
	return a
}

func amounts(list corev1.ResourceList) ledger.Amounts {
	a := make(ledger.Amounts, len(list))
	for name, q := range list {
		if v, err := toUnits(string(name), q); err == nil {
			a[string(name)] = v
		}
	}
	return a
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func toUnits(name string, q resource.Quantity) (int64, error) { return ledger.ToUnits(name, q, true) }
