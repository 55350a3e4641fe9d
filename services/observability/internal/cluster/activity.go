package cluster

import (
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"

	"github.com/landlord-dev/landlord/services/observability/internal/idle"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// IdleTenants is every tenant as the idle rule sees it, in name order.
// A tenant's last activity is the newest change a person made (see
// activity) to the Tenant itself — every change through Landlord's API
// is one — or to anything of its kinds in its namespaces: a kubectl
// apply, a rollout, a new ConfigMap. Reads, deletions and what the
// cluster's controllers or Landlord do are not activity; nor is anything
// only identity sees (logins, memberships).
func (w *Watcher) IdleTenants() ([]idle.Tenant, error) {
	var out []idle.Tenant
	for _, obj := range w.tenants.List() {
		t := obj.(*v1alpha1.Tenant)
		last, err := w.lastActivity(t)
		if err != nil {
			return nil, err
		}
		it := idle.Tenant{Name: t.Name, Etag: v1alpha1.Etag(t), Created: t.CreationTimestamp.Time, LastActivity: last,
			Hibernated: t.Spec.Hibernation.Hibernated, Reason: t.Spec.Hibernation.Reason,
			Active: t.DeletionTimestamp.IsZero() && t.Status.Phase == v1alpha1.PhaseActive}
		if d := t.Spec.Hibernation.IdleAfter; d != nil {
			it.IdleAfter = d.Duration
		}
		out = append(out, it)
	}
	slices.SortFunc(out, func(a, b idle.Tenant) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// lastActivity is the newest activity on the tenant and in its namespaces.
func (w *Watcher) lastActivity(t *v1alpha1.Tenant) (time.Time, error) {
	last := activityOf(t)
	nss, err := w.namespaces.ByIndex(byTenant, t.Name)
	if err != nil {
		return last, err
	}
	for _, obj := range nss {
		ns := obj.(*corev1.Namespace)
		if !v1alpha1.Owns(t, ns) {
			continue
		}
		for _, ix := range w.indexers {
			objs, err := ix.ByIndex(toolscache.NamespaceIndex, ns.Name)
			if err != nil {
				return last, err
			}
			for _, o := range objs {
				if m, ok := o.(metav1.Object); ok {
					if at := activityOf(m); at.After(last) {
						last = at
					}
				}
			}
		}
	}
	return last, nil
}
