package controller

import (
	"context"
	"slices"

	corev1 "k8s.io/api/core/v1"
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// managedKinds are the kinds whose objects the operator makes per tenant;
// a change or deletion of one wakes its tenant's reconcile, which repairs it.
func managedKinds() []client.Object {
	return []client.Object{
		&corev1.Namespace{}, &corev1.ResourceQuota{}, &corev1.LimitRange{},
		&rbacv1.RoleBinding{}, &networkingv1.NetworkPolicy{}, &flowcontrolv1.FlowSchema{},
	}
}

// CacheOptions keep the operator's informers to Landlord's own objects, so
// its memory follows the number of tenants, not the size of the cluster.
func CacheOptions() cache.Options {
	managed := labels.SelectorFromSet(labels.Set{render.LabelManagedBy: render.ManagedBy})
	byObject := map[client.Object]cache.ByObject{}
	for _, obj := range managedKinds() {
		byObject[obj] = cache.ByObject{Label: managed, Transform: ownFieldsOnly}
	}
	return cache.Options{ByObject: byObject}
}

// ownFieldsOnly keeps, of a cached object's managed fields, only the
// operator's own: all that deciding whether to write reads. The others
// (the quota controller's status entry, other managers) are most of what
// a cached quota weighs, in memory and in every copy a pass makes. So a
// cached managed object is never sent back whole (an update would replace
// the server's managed fields with these): the operator creates, applies,
// patches and deletes them.
func ownFieldsOnly(obj any) (any, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return obj, nil // a tombstone: nothing to trim
	}
	notOurs := func(e metav1.ManagedFieldsEntry) bool {
		return e.Manager != v1alpha1.FieldManager || e.Subresource != ""
	}
	if fields := m.GetManagedFields(); slices.ContainsFunc(fields, notOurs) {
		m.SetManagedFields(slices.DeleteFunc(slices.Clone(fields), notOurs))
	}
	return obj, nil
}

// toTenant maps a managed object to its Tenant: the controller of
// namespaces and flow schemas (a label can say anything), the label of
// the objects inside a namespace (which only the operator may write).
var toTenant = handler.EnqueueRequestsFromMapFunc(func(_ context.Context, obj client.Object) []reconcile.Request {
	tenant := obj.GetLabels()[render.LabelTenant]
	if ref := metav1.GetControllerOfNoCopy(obj); ref != nil && ref.Kind == "Tenant" {
		tenant = ref.Name
	}
	if tenant == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Name: tenant}}}
})
