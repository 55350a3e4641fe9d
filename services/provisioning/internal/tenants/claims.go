package tenants

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/landlord-dev/landlord/services/internal/apierror"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/controller"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// claims refuses names someone else holds: a namespace among added that
// another tenant asks for, or that the cluster already has and is not this
// tenant's; an ingress domain overlapping another tenant's. Two calls at
// once can both pass here: the operator then refuses the later claimant
// (the namespace object, or the older tenant, decides), so this is what
// answers a caller with a clear error, not what keeps tenants apart.
func (s *Service) claims(ctx context.Context, t *v1alpha1.Tenant, added []string) error {
	for _, ns := range added {
		name := render.ClusterName(t.Name, ns)
		others := &v1alpha1.TenantList{}
		if err := s.Cache.List(ctx, others, client.MatchingFields{controller.ClusterNameIndex: name}); err != nil {
			return err
		}
		for _, o := range others.Items {
			if o.Name != t.Name {
				return fmt.Errorf("namespace %s (%q in tenant %s) is another tenant's: %w", name, ns, t.Name, apierror.ErrAlreadyExists)
			}
		}
		live := &corev1.Namespace{}
		err := s.Reader.Get(ctx, client.ObjectKey{Name: name}, live)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		if !ownedBy(live, t) {
			return fmt.Errorf("namespace %s already exists in the cluster and is not this tenant's: %w", name, apierror.ErrAlreadyExists)
		}
	}
	for _, d := range t.Spec.AllowedIngressDomains {
		holders, err := controller.DomainHolders(ctx, s.Cache, string(d))
		if err != nil {
			return err
		}
		for _, h := range holders {
			if h.Name != t.Name {
				return apierror.InvalidArgument("tenant.allowed_ingress_domains",
					fmt.Sprintf("%s overlaps another tenant's ingress domains: no two tenants may serve the same host", d))
			}
		}
	}
	return nil
}

// ownedBy: the namespace's controller is t (by UID once t exists; by name
// for a create, so that a retried create meets its own namespaces).
func ownedBy(ns *corev1.Namespace, t *v1alpha1.Tenant) bool {
	ref := metav1.GetControllerOfNoCopy(ns)
	if ref == nil || ref.Kind != "Tenant" || ref.Name != t.Name {
		return false
	}
	return t.UID == "" || ref.UID == t.UID
}
