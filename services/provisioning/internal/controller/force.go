package controller

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/controller/force"
)

// forceFinalizers removes, in each of the tenant's terminating namespaces,
// the finalizers of objects already being deleted: what the namespace
// controller waits for. Each removal is recorded as an event on the
// Tenant, naming the object, its finalizers and who forced it.
func (r *TenantReconciler) forceFinalizers(ctx context.Context, t *v1alpha1.Tenant, owned []corev1.Namespace, who string) error {
	if r.Force == nil {
		return fmt.Errorf("forced deletion is not configured")
	}
	blocked := slices.ContainsFunc(owned, func(ns corev1.Namespace) bool {
		return slices.ContainsFunc(ns.Status.Conditions, func(c corev1.NamespaceCondition) bool {
			return c.Type == corev1.NamespaceFinalizersRemaining && c.Status == corev1.ConditionTrue
		})
	})
	if !blocked {
		return nil // the namespace controller is still at work: nothing to force yet
	}
	resources, err := r.Force.Resources()
	if err != nil {
		return err
	}
	for _, ns := range owned {
		if ns.DeletionTimestamp.IsZero() {
			continue
		}
		err := r.Force.Unblock(ctx, ns.Name, resources, func(o force.Removed) {
			r.Events.Eventf(t, nil, corev1.EventTypeWarning, "FinalizersForced", "Delete",
				"removed finalizers %v of %s %s/%s, forced by %s", o.Finalizers, o.Resource, o.Namespace, o.Name, who)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
