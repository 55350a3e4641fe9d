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
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crcontroller "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/source"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/applied"
	"github.com/landlord-dev/landlord/services/provisioning/internal/controller/force"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// TenantReconciler reconciles one Tenant at a time. Set the exported
// fields, then SetupWithManager fills in the rest from the manager.
type TenantReconciler struct {
	// Client reads from the manager's caches and writes to the API server.
	Client client.Client
	// Reader reads straight from the API server, for objects (tenant
	// workloads, namespaces that are not Landlord's) that the operator does
	// not cache.
	Reader client.Reader
	// Plans are the quota service's plans. PlansReady, if set, says
	// whether they have arrived: until then a pass waits (and comes back)
	// instead of failing every tenant as on an unknown plan.
	Plans      plans.Source
	PlansReady func() bool
	// Quota puts each namespace's ResourceQuota in place before its role
	// bindings let tenant users create anything there.
	Quota   Quota
	Network render.Network
	Events  events.EventRecorder
	// Force removes finalizers when a platform admin forces a deletion.
	Force *force.Remover
	// Memberships, if set, is told when a tenant is gone, before its
	// Tenant is released: a new tenant with the same name starts with no
	// members.
	Memberships Memberships

	written statusMemo
	created applied.Recent
	ready   readiness
	// plansChanged carries one event per changed plan (PlansChanged), once
	// elected says this replica leads.
	plansChanged chan event.GenericEvent
	elected      <-chan struct{}
	tiers        tierSchemas
}

// Quota is the gate before a namespace's role bindings: EnsureQuota says
// whether the namespace's ResourceQuota, as the quota service decided it,
// is in place (putting it there if it can), so that tenant users can
// never create anything in a namespace without a quota.
type Quota interface {
	EnsureQuota(ctx context.Context, tenant, clusterNamespace string) (bool, error)
}

// Memberships is what identity keeps of tenants (over gRPC): their
// memberships, removed with the tenant, and their plans' API tiers, which
// its tokens carry.
type Memberships interface {
	DeleteTenantMemberships(ctx context.Context, tenant string) error
	SetTenantTiers(ctx context.Context, tiers map[string]string) error
}

// SetupWithManager registers the reconciler with mgr: its cache indexes,
// its watches, and the runnable that says when it runs (Ready). The
// cluster-wide objects come first, from Install.
func (r *TenantReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Plans == nil || r.Quota == nil {
		return errors.New("controller: plans and quota are required")
	}
	if r.Client == nil {
		r.Client = mgr.GetClient()
	}
	if r.Reader == nil {
		r.Reader = mgr.GetAPIReader()
	}
	if r.Events == nil {
		r.Events = mgr.GetEventRecorder("landlord-provisioning")
	}
	if r.Force == nil {
		f, err := force.New(mgr.GetConfig())
		if err != nil {
			return err
		}
		r.Force = f
	}
	// Long enough for a loaded API server's watch to deliver our creates.
	r.created = applied.Recent{TTL: 30 * time.Second}
	if err := Indexes(context.Background(), mgr.GetFieldIndexer()); err != nil {
		return err
	}
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
	r.plansChanged = make(chan event.GenericEvent, 64)
	r.elected = mgr.Elected()
	b = b.WatchesRawSource(source.Channel(r.plansChanged, onPlan(mgr.GetClient())))
	if err := b.Complete(r); err != nil {
		return err
	}
	r.tiers = tierSchemas{client: r.Client, live: r.Reader, plans: r.Plans, plansReady: r.PlansReady, identity: r.Memberships}
	if err := r.tiers.setup(mgr); err != nil {
		return err
	}
	return r.ready.setup(mgr, append(managedKinds(), &v1alpha1.Tenant{}))
}

// What the reconciler reads and writes. Tenants: read, finalizer added
// and removed (update), status patched; tenants/finalizers because the
// objects it makes name their Tenant as owner with blockOwnerDeletion,
// which clusters enforcing owner references allow only to who may update
// the owner's finalizers.
// +kubebuilder:rbac:groups=landlord.dev,resources=tenants,verbs=get;list;watch;update
// +kubebuilder:rbac:groups=landlord.dev,resources=tenants/status,verbs=patch
// +kubebuilder:rbac:groups=landlord.dev,resources=tenants/finalizers,verbs=update
//
// The objects of each tenant: cached (list, watch), read back from the API
// server when a create finds one (get), created, applied and patched;
// namespaces are deleted with their tenant (what is in a namespace goes
// with it); flow schemas are the API tiers' (tierSchemas), and a tenant's
// own, from before them, is deleted. A create cannot be limited by name.
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups="",resources=resourcequotas;limitranges,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=rolebindings,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=networking.k8s.io,resources=networkpolicies,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=flowcontrol.apiserver.k8s.io,resources=flowschemas,verbs=get;list;watch;create;patch;delete
//
// Hibernation scales the tenant's workloads to zero and back.
// +kubebuilder:rbac:groups=apps,resources=deployments;statefulsets,verbs=list;patch
// +kubebuilder:rbac:groups=batch,resources=cronjobs,verbs=list;patch
//
// Events on a Tenant, which is cluster-scoped, go to the default namespace.
// +kubebuilder:rbac:groups=events.k8s.io,namespace=default,resources=events,verbs=create;patch
//
// OperatorIdentity asks who the operator is (system:basic-user grants it
// to every authenticated user too).
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=selfsubjectreviews,verbs=create

// Reconcile brings one Tenant's namespaces to their desired state.
func (r *TenantReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	defer r.ready.reconciled(req.Name)
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
	if controllerutil.AddFinalizer(t, v1alpha1.Finalizer) {
		if err := r.Client.Update(ctx, t); err != nil {
			return ctrl.Result{}, err
		}
	}
	if r.PlansReady != nil && !r.PlansReady() {
		return ctrl.Result{RequeueAfter: time.Second}, nil // no plans from the quota service yet
	}
	// The quota service decides how many namespaces a tenant may have
	// (the API asks it before it writes a Tenant); the operator renders
	// what the Tenant asks for.
	plan, ok := r.Plans.Plan(t.Spec.Plan)
	if !ok {
		return ctrl.Result{}, r.fail(ctx, t, "UnknownPlan", fmt.Sprintf("plan %q does not exist", t.Spec.Plan))
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
		res.add(v1alpha1.ConditionReady, r.sleep(ctx, t, owned, t.Spec.Hibernation.Hibernated))
	}
	if err := r.report(ctx, t, res); err != nil {
		return ctrl.Result{}, err
	}
	switch {
	case res.permanent():
		// The settings ask for what someone else holds; it may be freed.
		return ctrl.Result{RequeueAfter: time.Minute}, nil
	case res.waiting():
		// Only the quota service is awaited: look again soon (a quota
		// created meanwhile wakes the tenant sooner, through its watch).
		return ctrl.Result{RequeueAfter: quotaWait}, nil
	case res.ok() && res.wrote.Load():
		// Passes trust what this one wrote until the cache shows it; look
		// again once they no longer do, in case it vanished meanwhile.
		return ctrl.Result{RequeueAfter: r.created.TTL}, nil
	case res.ok() && t.Spec.Hibernation.Hibernated:
		// Tenant workloads are not watched: look for ones a person
		// started while the tenant sleeps (sleep).
		return ctrl.Result{RequeueAfter: asleepRecheck}, nil
	}
	return ctrl.Result{}, res.err()
}

// asleepRecheck is how often a hibernated tenant's workloads are looked
// at for ones a person started meanwhile.
const asleepRecheck = time.Minute

// applyNamespaces claims every namespace at once, then applies the
// objects of those that are the tenant's, all at once: round trips, not
// the API server, bound one tenant. The role bindings of a namespace
// wait for its ResourceQuota (Quota): until it is in place, tenant users
// get no rights there. It keeps going after a
// failure so that status says what is ready. It returns the cluster names
// of the namespaces the tenant owns.
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
	// The tenant's API requests are classified by its tier's flow schemas
	// (tierSchemas); a flow schema of its own, from before them, goes.
	wg.Go(func() { res.add(v1alpha1.ConditionPoliciesReady, r.deleteLegacyFlowSchema(ctx, t)) })
	for i, ns := range t.Spec.Namespaces {
		if claimed[i] != nil {
			continue
		}
		cluster := render.ClusterName(t.Name, ns.Name)
		apply := func(purpose render.Purpose, obj runtime.ApplyConfiguration) {
			wg.Go(func() { res.namespace(i, ns.Name, cluster, conditionOf[purpose], r.applyOwned(ctx, obj, "", res)) })
		}
		var access []runtime.ApplyConfiguration
		for purpose, obj := range objs[i].Inside() {
			if purpose == render.PurposeAccess {
				access = append(access, obj)
				continue
			}
			apply(purpose, obj)
		}
		wg.Go(func() {
			if r.quotaInPlace(ctx, t.Name, i, ns.Name, cluster, res) {
				for _, obj := range access {
					apply(render.PurposeAccess, obj) // this goroutine still counts: Wait has not returned
				}
			}
		})
	}
	wg.Wait()
	return owned
}

// quotaWait is how soon a pass waiting for the quota service comes back.
const quotaWait = time.Second

// quotaInPlace asks Quota whether namespace i's ResourceQuota is in place,
// and records under QuotaReady (and, since its role bindings wait, under
// AccessReady) why not.
func (r *TenantReconciler) quotaInPlace(ctx context.Context, tenant string, i int, name, cluster string, res *results) bool {
	ok, err := r.Quota.EnsureQuota(ctx, tenant, cluster)
	switch {
	case err != nil:
		res.namespace(i, name, cluster, v1alpha1.ConditionQuotaReady, fmt.Errorf("ResourceQuota %s/%s: %w", cluster, render.QuotaName, err))
	case !ok:
		res.namespace(i, name, cluster, v1alpha1.ConditionQuotaReady, &waitingError{fmt.Sprintf("waiting for the quota service to allocate %s", cluster)})
	default:
		return true
	}
	res.namespace(i, name, cluster, v1alpha1.ConditionAccessReady, &waitingError{fmt.Sprintf("the role bindings of %s wait for its quota", cluster)})
	return false
}

// waitingError is a failure that only time (the quota service) mends.
type waitingError struct{ msg string }

func (e *waitingError) Error() string { return e.msg }

// applyOwned writes obj unless the informer cache (or what this operator
// just created, which the cache may not show yet) says it is already in
// place; an object that must be the tenant's (owner is its UID, or "")
// and exists but is not is never written. A stale cache costs at most a
// refused create; the watch event that brings it up to date triggers
// another pass.
func (r *TenantReconciler) applyOwned(ctx context.Context, obj runtime.ApplyConfiguration, owner types.UID, res *results) error {
	a := applied.Applier{Reader: r.Client, Live: r.Reader, Writer: r.Client, FieldManager: v1alpha1.FieldManager,
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
