// Package force removes the finalizers that keep a deleted tenant's
// namespaces from terminating, when a platform admin forces the deletion.
// It reads object metadata only, of every kind the cluster serves, since a
// tenant can put a finalizer on any kind it may create, its own CRDs' too.
//
// That is the operator's one broad permission: list and patch on every
// resource. RBAC cannot narrow it to the tenant's namespaces (a ClusterRole
// binding grants it everywhere) nor to finalizers (a patch may change
// anything), so it lives in a ClusterRole of its own,
// landlord-provisioning-force (deploy/rbac/provisioning-force), generated
// from the marker below. A platform team that does not bind it keeps
// every other feature; a forced deletion then stays blocked and says so.
//
// +kubebuilder:rbac:groups=*,resources=*,verbs=list;patch
package force

import (
	"context"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
)

// Remover removes finalizers from what is left in terminating namespaces.
type Remover struct {
	discovery discovery.DiscoveryInterface
	metadata  metadata.Interface
}

// New is a Remover acting as cfg.
func New(cfg *rest.Config) (*Remover, error) {
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	meta, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Remover{discovery: disc, metadata: meta}, nil
}

// Removed describes one object whose finalizers were removed.
type Removed struct {
	Resource, Namespace, Name string
	Finalizers                []string
}

// Resources are the kinds the cluster serves in namespaces that can be
// listed and patched.
func (f *Remover) Resources() ([]schema.GroupVersionResource, error) {
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

// Unblock removes, in namespace ns, the finalizers of the objects of the
// given kinds that are already being deleted: what the namespace
// controller waits for. It calls removed for each object it freed.
func (f *Remover) Unblock(ctx context.Context, ns string, resources []schema.GroupVersionResource, removed func(Removed)) error {
	for _, gvr := range resources {
		list, err := f.metadata.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
		if apierrors.IsForbidden(err) {
			return fmt.Errorf("listing %s in %s (is the ClusterRole landlord-provisioning-force bound?): %w", gvr.Resource, ns, err)
		}
		if err != nil {
			continue // a kind that cannot be listed holds nothing we could free
		}
		for _, obj := range list.Items {
			if obj.DeletionTimestamp.IsZero() || len(obj.Finalizers) == 0 {
				continue
			}
			patch := []byte(`{"metadata":{"finalizers":null}}`)
			if _, err := f.metadata.Resource(gvr).Namespace(ns).Patch(ctx, obj.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
				return fmt.Errorf("removing finalizers of %s %s/%s: %w", gvr.Resource, ns, obj.Name, err)
			}
			removed(Removed{Resource: gvr.Resource, Namespace: ns, Name: obj.Name, Finalizers: obj.Finalizers})
		}
	}
	return nil
}
