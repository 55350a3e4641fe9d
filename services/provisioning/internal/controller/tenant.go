// Package controller reconciles Tenants into their namespaces and the
// objects in them, level-triggered and idempotent: every pass renders the
// whole desired state, compares it with the informer cache, and applies
// what differs with server-side apply under one field manager; status is
// written only when it changes. A pass with nothing to do writes nothing.
package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crcontroller "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/crds"
	"github.com/landlord-dev/landlord/services/provisioning/internal/applied"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// Finalizer holds a deleted Tenant until its namespaces are gone.
const Finalizer = "landlord.dev/namespaces"

// TenantReconciler reconciles one Tenant at a time.
type TenantReconciler struct {
	Client client.Client
	// Reader reads straight from the API server, for objects (tenant
	// workloads, namespaces that are not Landlord's) that the operator does
	// not cache.
	Reader  client.Reader
	Plans   plans.Table
	Network render.Network
	Events  events.EventRecorder

	force   *forcer
	written statusMemo
	created applied.Recent
}

// Options are the operator's settings.
type Options struct {
	// Operator is the user the operator acts as in the cluster: the
	// admission policies let it, and no one else, write Landlord's objects.
	Operator string
	Network  render.Network
}

// Setup applies the cluster-wide objects tenants rely on and registers the
// reconciler with the manager.
func Setup(ctx context.Context, mgr ctrl.Manager, table plans.Table, opts Options) error {
	if opts.Operator == "" {
		return errors.New("controller: the operator's user name is required")
	}
	var clusterWide []runtime.ApplyConfiguration
	for _, p := range render.AdmissionPolicies(opts.Operator) {
		clusterWide = append(clusterWide, p.Policy, p.Binding)
	}
	for _, role := range render.ClusterRoles() {
		clusterWide = append(clusterWide, role)
	}
	for _, plan := range table {
		clusterWide = append(clusterWide, render.PriorityLevel(plan))
	}
	// Read from the API server (the caches do not run yet), so that a
	// restart writes nothing that is already in place.
	startup := applied.Applier{Reader: mgr.GetAPIReader(), Writer: mgr.GetClient(), FieldManager: crds.FieldManager}
	for _, obj := range clusterWide {
		if _, err := startup.Apply(ctx, obj); err != nil {
			return fmt.Errorf("applying cluster-wide objects: %w", err)
		}
	}
	if err := Indexes(ctx, mgr.GetFieldIndexer()); err != nil {
		return err
	}
	disc, err := discovery.NewDiscoveryClientForConfig(mgr.GetConfig())
	if err != nil {
		return err
	}
	meta, err := metadata.NewForConfig(mgr.GetConfig())
	if err != nil {
		return err
	}
	r := &TenantReconciler{Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Plans: table, Network: opts.Network,
		Events: mgr.GetEventRecorder("landlord-provisioning"), force: &forcer{discovery: disc, metadata: meta},
		// Long enough for a loaded API server's watch to deliver our creates.
		created: applied.Recent{TTL: 30 * time.Second}}
	// Tenants are independent: reconcile many at once, or provisioning is
	// bound by one tenant's round trips instead of the API server. 64 keeps
	// a saturated API server busy and cut p99 from ~9 s to ~3 s for a burst
	// of 500 tenants (16 and 32 measured in bench-provisioning).
	b := ctrl.NewControllerManagedBy(mgr).For(&v1alpha1.Tenant{}).
		WithOptions(crcontroller.Options{MaxConcurrentReconciles: 64})
	for _, kind := range managedKinds() {
		b = b.Watches(kind, toTenant)
	}
	b = b.Watches(&v1alpha1.Tenant{}, domainNeighbours(mgr.GetClient()))
	return b.Complete(r)
}

// Reconcile brings one Tenant's namespaces to their desired state.
func (r *TenantReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	t := &v1alpha1.Tenant{}
	if err := r.Client.Get(ctx, req.NamespacedName, t); err != nil {
		if apierrors.IsNotFound(err) {
			r.written.forget(req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err) // gone: nothing to do
	}
	r.written.refresh(t)
	if !t.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, t)
	}
	if controllerutil.AddFinalizer(t, Finalizer) {
		if err := r.Client.Update(ctx, t); err != nil {
			return ctrl.Result{}, err
		}
	}
	plan := r.Plans[t.Spec.Plan]
	switch {
	case plan == nil:
		return ctrl.Result{}, r.fail(ctx, t, "UnknownPlan", fmt.Sprintf("plan %q does not exist", t.Spec.Plan))
	case len(t.Spec.Namespaces) > plan.MaxNamespaces:
		return ctrl.Result{}, r.fail(ctx, t, "TooManyNamespaces",
			fmt.Sprintf("plan %q allows %d namespaces, the tenant asks for %d", plan.Name, plan.MaxNamespaces, len(t.Spec.Namespaces)))
	}
	in := render.Inputs{Plan: plan, Network: r.Network}
	res := newResults(len(t.Spec.Namespaces))
	domains, taken, err := r.ingressDomains(ctx, t)
	in.IngressDomains = domains
	res.add(v1alpha1.ConditionPoliciesReady, err)
	for _, d := range taken {
		res.add(v1alpha1.ConditionPoliciesReady, d)
	}
	owned := r.applyNamespaces(ctx, t, in, res)
	if err := r.pruneNamespaces(ctx, t); err != nil {
		res.add(v1alpha1.ConditionNamespacesReady, err)
	}
	if res.ok() && mayHaveSleepingWorkloads(t) {
		res.add(v1alpha1.ConditionReady, r.sleep(ctx, owned, t.Spec.Hibernation.Hibernated))
	}
	if err := r.report(ctx, t, res); err != nil {
		return ctrl.Result{}, err
	}
	switch {
	case res.permanent():
		// The settings ask for what someone else holds; it may be freed.
		return ctrl.Result{RequeueAfter: time.Minute}, nil
	case res.ok() && res.wrote.Load():
		// Passes trust what this one wrote until the cache shows it; look
		// again once they no longer do, in case it vanished meanwhile.
		return ctrl.Result{RequeueAfter: r.created.TTL}, nil
	}
	return ctrl.Result{}, res.err()
}

// applyNamespaces claims every namespace at once, then applies the
// objects of those that are the tenant's, and the flow schema, all at
// once: round trips, not the API server, bound one tenant. It keeps going
// after a failure so that status says what is ready. It returns the
// cluster names of the namespaces the tenant owns.
func (r *TenantReconciler) applyNamespaces(ctx context.Context, t *v1alpha1.Tenant, in render.Inputs, res *results) []string {
	objs := make([]render.Objects, len(t.Spec.Namespaces))
	claimed := make([]error, len(t.Spec.Namespaces))
	var wg sync.WaitGroup
	for i, ns := range t.Spec.Namespaces {
		objs[i] = render.Namespace(t, ns.Name, in)
		if name := render.ClusterName(t.Name, ns.Name); render.ReservedClusterName(name) != "" {
			// Refused by the API and the CRD; a tenant from before those
			// rules still never gets it.
			claimed[i] = &applied.NotOwnedError{Kind: "Namespace", Name: name, Controller: "the cluster"}
			continue
		}
		wg.Go(func() { claimed[i] = r.applyOwned(ctx, objs[i].Namespace, t.UID, res) })
	}
	wg.Wait()
	var owned []string
	for i, ns := range t.Spec.Namespaces {
		res.namespace(i, ns.Name, render.ClusterName(t.Name, ns.Name), v1alpha1.ConditionNamespacesReady, claimed[i])
		if claimed[i] == nil {
			owned = append(owned, render.ClusterName(t.Name, ns.Name))
		}
	}
	wg.Go(func() {
		res.add(v1alpha1.ConditionPoliciesReady, r.applyOwned(ctx, render.FlowSchema(t, owned), t.UID, res))
	})
	for i, ns := range t.Spec.Namespaces {
		if claimed[i] != nil {
			continue
		}
		for cond, obj := range objs[i].Inside() {
			wg.Go(func() {
				res.namespace(i, ns.Name, render.ClusterName(t.Name, ns.Name), conditionOf[cond], r.applyOwned(ctx, obj, "", res))
			})
		}
	}
	wg.Wait()
	return owned
}

// applyOwned writes obj unless the informer cache (or what this operator
// just created, which the cache may not show yet) says it is already in
// place; an object that must be the tenant's (owner is its UID, or "")
// and exists but is not is never written. A stale cache costs at most a
// refused create; the watch event that brings it up to date triggers
// another pass.
func (r *TenantReconciler) applyOwned(ctx context.Context, obj runtime.ApplyConfiguration, owner types.UID, res *results) error {
	a := applied.Applier{Reader: r.Client, Live: r.Reader, Writer: r.Client, FieldManager: crds.FieldManager,
		CreateAbsent: true, Recent: &r.created}
	wrote, err := a.ApplyOwned(ctx, obj, owner)
	if wrote {
		res.wrote.Store(true)
	}
	return err
}

// mayHaveSleepingWorkloads: only a tenant that is, was or is becoming
// hibernated has workloads to scale; skipping the rest saves three API
// server lists per namespace on every pass.
func mayHaveSleepingWorkloads(t *v1alpha1.Tenant) bool {
	switch t.Status.Phase {
	case "", v1alpha1.PhasePending, v1alpha1.PhaseProvisioning, v1alpha1.PhaseActive:
		return t.Spec.Hibernation.Hibernated
	}
	return true
}
