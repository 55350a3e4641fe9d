package controller

import (
	"context"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/applied"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// owned lists the namespaces this Tenant controls (by UID: a namespace
// that merely carries its label is not one of them). A reserved namespace
// is never a tenant's, even if an earlier Landlord adopted it (kube-system
// under a tenant named "kube"): it is neither pruned nor deleted with it.
func (r *TenantReconciler) owned(ctx context.Context, t *v1alpha1.Tenant) ([]corev1.Namespace, error) {
	list := &corev1.NamespaceList{}
	if err := r.Client.List(ctx, list, client.MatchingFields{OwnerIndex: string(t.UID)}); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(list.Items, func(ns corev1.Namespace) bool { return render.ReservedClusterName(ns.Name) != "" }), nil
}

// pruneNamespaces deletes the tenant's namespaces that its spec dropped.
func (r *TenantReconciler) pruneNamespaces(ctx context.Context, t *v1alpha1.Tenant) error {
	owned, err := r.owned(ctx, t)
	if err != nil {
		return err
	}
	for _, ns := range owned {
		wanted := slices.ContainsFunc(t.Spec.Namespaces, func(n v1alpha1.TenantNamespace) bool {
			return render.ClusterName(t.Name, n.Name) == ns.Name
		})
		if !wanted && ns.DeletionTimestamp.IsZero() {
			if err := r.deleteNamespace(ctx, t, &ns); err != nil {
				return err
			}
		}
	}
	return nil
}

// deleteNamespace deletes ns if it is still the one the cache showed:
// the UID precondition keeps a namespace re-created under the same name by
// someone else from being deleted.
func (r *TenantReconciler) deleteNamespace(ctx context.Context, t *v1alpha1.Tenant, ns *corev1.Namespace) error {
	pre := client.Preconditions{UID: &ns.UID}
	err := r.Client.Delete(ctx, ns, pre)
	return client.IgnoreNotFound(err)
}

// ingressDomains are the tenant's ingress domains that no older tenant
// holds (older by creation, then by name): the first to claim a domain
// keeps it, so two tenants never serve the same host. The others come back
// as NotOwnedErrors.
func (r *TenantReconciler) ingressDomains(ctx context.Context, t *v1alpha1.Tenant) (domains []string, taken []error, err error) {
	for _, d := range t.Spec.AllowedIngressDomains {
		holders, err := DomainHolders(ctx, r.Client, string(d))
		if err != nil {
			return nil, nil, err
		}
		i := slices.IndexFunc(holders, func(h v1alpha1.Tenant) bool { return h.UID != t.UID && older(&h, t) })
		if i >= 0 {
			taken = append(taken, &applied.NotOwnedError{Kind: "ingress domain", Name: string(d), Controller: "tenant " + holders[i].Name})
			continue
		}
		domains = append(domains, string(d))
	}
	return domains, taken, nil
}

func older(a, b *v1alpha1.Tenant) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Name < b.Name
}

// domainNeighbours wakes the tenants whose ingress domains overlap a
// changed tenant's: a domain it gave up (or was deleted with) may now be
// theirs, and one it took may no longer be.
func domainNeighbours(c client.Reader) handler.EventHandler {
	return handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, obj client.Object) []reconcile.Request {
		t, ok := obj.(*v1alpha1.Tenant)
		if !ok {
			return nil
		}
		var out []reconcile.Request
		for _, d := range t.Spec.AllowedIngressDomains {
			holders, err := DomainHolders(ctx, c, string(d))
			if err != nil {
				return nil
			}
			for _, h := range holders {
				if h.Name != t.Name {
					out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: h.Name}})
				}
			}
		}
		return out
	})
}
