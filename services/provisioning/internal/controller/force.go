package controller

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// forcer removes finalizers from what is left in terminating namespaces.
// It reads object metadata only, of every kind the cluster serves.
type forcer struct {
	discovery discovery.DiscoveryInterface
	metadata  metadata.Interface
}

// forceFinalizers removes, in each of the tenant's terminating namespaces,
// the finalizers of objects already being deleted: what the namespace
// controller waits for. Each removal is recorded as an event on the
// Tenant, naming the object, its finalizers and who forced it.
func (r *TenantReconciler) forceFinalizers(ctx context.Context, t *v1alpha1.Tenant, owned []corev1.Namespace, who string) error {
	if r.force == nil {
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
	resources, err := r.force.namespacedResources()
	if err != nil {
		return err
	}
	for _, ns := range owned {
		if ns.DeletionTimestamp.IsZero() {
			continue
		}
		for _, gvr := range resources {
			list, err := r.force.metadata.Resource(gvr).Namespace(ns.Name).List(ctx, metav1.ListOptions{})
			if err != nil {
				continue // a kind that cannot be listed holds nothing we could free
			}
			for _, obj := range list.Items {
				if obj.DeletionTimestamp.IsZero() || len(obj.Finalizers) == 0 {
					continue
				}
				patch := []byte(`{"metadata":{"finalizers":null}}`)
				if _, err := r.force.metadata.Resource(gvr).Namespace(ns.Name).Patch(ctx, obj.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
					return fmt.Errorf("removing finalizers of %s %s/%s: %w", gvr.Resource, ns.Name, obj.Name, err)
				}
				r.Events.Eventf(t, nil, corev1.EventTypeWarning, "FinalizersForced", "Delete",
					"removed finalizers %v of %s %s/%s, forced by %s", obj.Finalizers, gvr.Resource, ns.Name, obj.Name, who)
			}
		}
	}
	return nil
}

// namespacedResources are the kinds the cluster serves in namespaces that
// can be listed and patched.
func (f *forcer) namespacedResources() ([]schema.GroupVersionResource, error) {
	lists, err := f.discovery.ServerPreferredNamespacedResources()
	if err != nil && len(lists) == 0 {
		return nil, err
	}
	var out []schema.GroupVersionResource
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, res := range l.APIResources {
			if slices.Contains(res.Verbs, "list") && slices.Contains(res.Verbs, "patch") {
				out = append(out, gv.WithResource(res.Name))
			}
		}
	}
	return out, nil
}
