package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/applied"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// tierSchemasDelay is how long a change waits before the tier flow
// schemas are recomputed: the changes of a burst (a tenant's creation is
// several events, a plan change reaches many tenants) make one pass.
const tierSchemasDelay = 200 * time.Millisecond

// tierSchemasKey is the one key of the tier schemas' queue: every pass
// recomputes them all.
var tierSchemasKey = reconcile.Request{NamespacedName: types.NamespacedName{Name: "landlord-tier-flow-schemas"}}

// tierSchemas keeps the API tiers' flow schemas (render.TierFlowSchemas)
// in step with the tenants, their plans and the namespaces they own: a
// fixed number of schemas, so that the API server's linear match does
// not grow with the tenants. Any change to a tenant, a tenant namespace
// or a tier schema queues its one key; a pass renders every schema from
// the informer cache and applies those that differ. Like the tenant
// reconciler, it runs only on the leader.
type tierSchemas struct {
	client     client.Client
	live       client.Reader
	plans      plans.Source
	plansReady func() bool
	created    applied.Recent
	// plansChanged wakes it when the plans change (a plan may change tier).
	plansChanged chan event.GenericEvent
	// identity, if set, is told each tenant's tier (report); reported is
	// what it was last told.
	identity Memberships
	reported map[string]string
}

func (s *tierSchemas) setup(mgr ctrl.Manager) error {
	s.created = applied.Recent{TTL: 30 * time.Second}
	s.plansChanged = make(chan event.GenericEvent, 1)
	isTierSchema := predicate.NewPredicateFuncs(func(obj client.Object) bool {
		_, ok := obj.GetLabels()[render.LabelAPITier]
		return ok
	})
	return ctrl.NewControllerManagedBy(mgr).Named("tierflowschemas").
		Watches(&v1alpha1.Tenant{}, coalesce).
		Watches(&corev1.Namespace{}, coalesce).
		Watches(&flowcontrolv1.FlowSchema{}, coalesce, builder.WithPredicates(isTierSchema)).
		WatchesRawSource(source.Channel(s.plansChanged, coalesce)).
		Complete(s)
}

// coalesce queues the one key, a little later: a key already waiting
// keeps its earlier time, so a burst makes one pass.
var coalesce = handler.Funcs{
	CreateFunc: func(_ context.Context, _ event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		q.AddAfter(tierSchemasKey, tierSchemasDelay)
	},
	UpdateFunc: func(_ context.Context, _ event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		q.AddAfter(tierSchemasKey, tierSchemasDelay)
	},
	DeleteFunc: func(_ context.Context, _ event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		q.AddAfter(tierSchemasKey, tierSchemasDelay)
	},
	GenericFunc: func(_ context.Context, _ event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		q.AddAfter(tierSchemasKey, tierSchemasDelay)
	},
}

// poke queues a pass without blocking: if one is already pending, it
// will see what changed.
func (s *tierSchemas) poke() {
	select {
	case s.plansChanged <- event.GenericEvent{Object: &v1alpha1.Tenant{}}:
	default:
	}
}

// Reconcile renders every tier flow schema and applies those that differ
// from the cache. A tenant being deleted, or on a plan the quota service
// does not have, is in none.
func (s *tierSchemas) Reconcile(ctx context.Context, _ ctrl.Request) (ctrl.Result, error) {
	if s.plansReady != nil && !s.plansReady() {
		return ctrl.Result{RequeueAfter: time.Second}, nil // every tenant would leave its tier
	}
	members, err := s.members(ctx)
	if err != nil {
		return ctrl.Result{}, err
	}
	a := applied.Applier{Reader: s.client, Live: s.live, Writer: s.client, FieldManager: v1alpha1.FieldManager,
		CreateAbsent: true, Recent: &s.created}
	var errs []error
	wrote := false
	for _, fs := range render.TierFlowSchemas(members) {
		w, err := a.Apply(ctx, fs)
		wrote = wrote || w
		errs = append(errs, err)
	}
	if err := errors.Join(append(errs, s.report(ctx, members))...); err != nil {
		return ctrl.Result{}, err
	}
	if wrote {
		// Trust what was written until the cache shows it; look again
		// once that trust lapses, in case it vanished meanwhile.
		return ctrl.Result{RequeueAfter: s.created.TTL}, nil
	}
	return ctrl.Result{}, nil
}

// reportBatch bounds one SetTenantTiers call (identity takes 1,000).
const reportBatch = 1000

// report tells identity the tiers that changed since it was last told,
// so that its tokens carry them and members' requests match their tier's
// users schema. Tenants that are gone are only forgotten here: identity
// forgets their tier with their memberships. A failed call is retried
// with the next pass; telling a tier twice does no harm.
func (s *tierSchemas) report(ctx context.Context, members []render.TierMember) error {
	if s.identity == nil {
		return nil
	}
	now := make(map[string]string, len(members))
	var changed []string
	for _, m := range members {
		if _, ok := render.Tiers[m.Tier]; !ok {
			continue
		}
		now[m.Tenant] = m.Tier
		if s.reported[m.Tenant] != m.Tier {
			changed = append(changed, m.Tenant)
		}
	}
	for batch := range slices.Chunk(changed, reportBatch) {
		tiers := make(map[string]string, len(batch))
		for _, tenant := range batch {
			tiers[tenant] = now[tenant]
		}
		if err := s.identity.SetTenantTiers(ctx, tiers); err != nil {
			return fmt.Errorf("telling identity the tenants' tiers: %w", err)
		}
	}
	s.reported = now
	return nil
}

// members are the tenants in the tier schemas, from the cache, each with
// the namespaces it owns (controls, by UID; never a reserved one: see
// owned).
func (s *tierSchemas) members(ctx context.Context) ([]render.TierMember, error) {
	tenants := &v1alpha1.TenantList{}
	if err := s.client.List(ctx, tenants, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	namespaces := &corev1.NamespaceList{}
	if err := s.client.List(ctx, namespaces, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	byOwner := map[types.UID][]string{}
	for _, ns := range namespaces.Items {
		if ref := metav1.GetControllerOfNoCopy(&ns); ref != nil && ref.Kind == "Tenant" && render.ReservedClusterName(ns.Name) == "" {
			byOwner[ref.UID] = append(byOwner[ref.UID], ns.Name)
		}
	}
	var members []render.TierMember
	for _, t := range tenants.Items {
		if !t.DeletionTimestamp.IsZero() {
			continue
		}
		plan, ok := s.plans.Plan(t.Spec.Plan)
		if !ok {
			continue
		}
		members = append(members, render.TierMember{Tenant: t.Name, Tier: plan.APITier, Namespaces: byOwner[t.UID]})
	}
	return members, nil
}

// deleteLegacyFlowSchema deletes the tenant's own flow schema, which
// Landlords before the tier schemas made, if the cache shows one the
// tenant controls.
func (r *TenantReconciler) deleteLegacyFlowSchema(ctx context.Context, t *v1alpha1.Tenant) error {
	fs := &flowcontrolv1.FlowSchema{}
	err := r.Client.Get(ctx, client.ObjectKey{Name: render.LegacyFlowSchemaName(t.Name)}, fs)
	if err != nil || !metav1.IsControlledBy(fs, t) {
		return client.IgnoreNotFound(err)
	}
	return client.IgnoreNotFound(r.Client.Delete(ctx, fs, client.Preconditions{UID: &fs.UID}))
}
