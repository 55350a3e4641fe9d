package cluster

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/landlord-dev/landlord/services/internal/apierror"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// TenantRef is a tenant's identity: its name and, since a name may be
// reused after a delete, its UID.
type TenantRef struct{ Name, UID string }

// TenantRef is the tenant named name; ErrNotFound if there is none. Only
// call after Run has reported the caches synced.
func (w *Watcher) TenantRef(name string) (TenantRef, error) {
	obj, ok, err := w.tenants.GetByKey(name)
	if err != nil {
		return TenantRef{}, err
	}
	if !ok {
		return TenantRef{}, fmt.Errorf("tenant %q: %w", name, apierror.ErrNotFound)
	}
	t := obj.(*v1alpha1.Tenant)
	return TenantRef{Name: t.Name, UID: string(t.UID)}, nil
}

// NamespaceTenant is the tenant whose namespace ns is, by the same rule
// as usage (ownedBy); ok is false for any other namespace, such as a
// foreign one whose name or label collides with a tenant's.
func (w *Watcher) NamespaceTenant(ns string) (TenantRef, bool) {
	obj, ok, err := w.namespaces.GetByKey(ns)
	if err != nil || !ok {
		return TenantRef{}, false
	}
	n := obj.(*corev1.Namespace)
	tobj, ok, err := w.tenants.GetByKey(n.Labels[v1alpha1.LabelTenant])
	if err != nil || !ok {
		return TenantRef{}, false
	}
	t := tobj.(*v1alpha1.Tenant)
	if !v1alpha1.Owns(t, n) {
		return TenantRef{}, false
	}
	return TenantRef{Name: t.Name, UID: string(t.UID)}, true
}

// TenantNamespaces are the namespaces that are t's now.
func (w *Watcher) TenantNamespaces(t TenantRef) ([]string, error) {
	objs, err := w.namespaces.ByIndex(byTenant, t.Name)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, obj := range objs {
		ns := obj.(*corev1.Namespace)
		if ref, ok := w.NamespaceTenant(ns.Name); ok && ref == t {
			out = append(out, ns.Name)
		}
	}
	return out, nil
}
