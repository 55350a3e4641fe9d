package controller

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/crds"
	"github.com/landlord-dev/landlord/services/provisioning/internal/applied"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// SystemNamespace holds Landlord's own namespaced objects: the leader
// election Lease, and the events leader election records on it.
const SystemNamespace = "landlord-system"

// LeaderElectionID names the Lease replicas elect their leader on.
const LeaderElectionID = "landlord-provisioning"

// Leader election: the Lease in the system namespace, and its events.
// Create cannot be limited by name (the name is not in a create's URL).
// +kubebuilder:rbac:groups=coordination.k8s.io,namespace=landlord-system,resources=leases,verbs=create
// +kubebuilder:rbac:groups=coordination.k8s.io,namespace=landlord-system,resources=leases,resourceNames=landlord-provisioning,verbs=get;update
// +kubebuilder:rbac:groups="",namespace=landlord-system,resources=events,verbs=create;patch

// What Install applies besides the system namespace (a namespace like
// the tenants', under the reconciler's rule). Each object is read, then server-side applied
// only if it differs; an apply that creates is authorized as a create of
// that name, so every rule names its objects. The names are those of
// render's constants and of the API tiers' priority levels (render.Tiers,
// fixed: plans name a tier, they do not make one): a new one is refused
// until it is added here, and the tests, which run the operator with this
// role, say so.
//
// +kubebuilder:rbac:groups=apiextensions.k8s.io,resources=customresourcedefinitions,resourceNames=tenants.landlord.dev,verbs=get;create;patch
// +kubebuilder:rbac:groups=admissionregistration.k8s.io,resources=validatingadmissionpolicies;validatingadmissionpolicybindings,resourceNames=landlord-protect-managed-objects;landlord-tenant-deletion-protection;landlord-namespaces-only-through-landlord;landlord-allowed-storage-classes;landlord-runtime-classes;landlord-service-exposure;landlord-ingress-hosts;landlord-no-long-lived-tokens;landlord-no-tenant-events,verbs=get;create;patch
// +kubebuilder:rbac:groups=flowcontrol.apiserver.k8s.io,resources=prioritylevelconfigurations,resourceNames=landlord-free;landlord-standard;landlord-enterprise;landlord-isolated,verbs=get;create;patch
//
// The tenant cluster roles aggregate Kubernetes' admin, edit and view
// roles, and setting an aggregation rule takes either every permission
// there is or escalate on the role: escalate, on these three only. bind
// lets the operator bind tenant groups to them in tenant namespaces
// without holding what they grant.
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=clusterroles,resourceNames=landlord-tenant-admin;landlord-tenant-editor;landlord-tenant-viewer,verbs=get;create;patch;escalate;bind

// Install applies, in one step, every cluster-wide object Landlord relies
// on: the system namespace, the Tenant CRD (and waits until it is
// established), the admission policies, the tenant cluster roles and the
// API tiers' priority levels. It runs once at start, before the manager's
// controllers do. Every replica runs it; it is idempotent and writes only
// what is not in place. c must read from the API server, not from a cache
// (none runs yet). operator is the user the operator acts as: the
// admission policies let it, and no one else, write Landlord's objects.
func Install(ctx context.Context, c client.Client, operator string) error {
	if operator == "" {
		return errors.New("install: the operator's user name is required")
	}
	a := applied.Applier{Reader: c, Writer: c, FieldManager: v1alpha1.FieldManager}
	if _, err := a.Apply(ctx, corev1ac.Namespace(SystemNamespace)); err != nil {
		return fmt.Errorf("system namespace: %w", err)
	}
	if err := crds.Install(ctx, c); err != nil {
		return err
	}
	var clusterWide []runtime.ApplyConfiguration
	for _, p := range render.AdmissionPolicies(operator) {
		clusterWide = append(clusterWide, p.Policy, p.Binding)
	}
	for _, role := range render.ClusterRoles() {
		clusterWide = append(clusterWide, role)
	}
	for _, tier := range render.TierNames() {
		clusterWide = append(clusterWide, render.PriorityLevel(tier, render.Tiers[tier]))
	}
	for _, obj := range clusterWide {
		if _, err := a.Apply(ctx, obj); err != nil {
			return fmt.Errorf("applying cluster-wide objects: %w", err)
		}
	}
	return nil
}
