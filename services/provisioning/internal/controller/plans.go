package controller

import (
	"context"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// PlansChanged queues every tenant on one of the named plans (added,
// changed or gone from the quota service's table), so that their objects
// follow the plans. It never blocks its caller (the quota stream): a
// replica that does not lead drops the news, since the one that leads next
// reconciles every tenant when it starts.
func (r *TenantReconciler) PlansChanged(names []string) {
	if r.plansChanged == nil || len(names) == 0 {
		return // not set up
	}
	select {
	case <-r.elected:
	default:
		return
	}
	// A plan may have changed tier.
	r.tiers.poke()
	go func() { // the channel source drains it as long as the controller runs
		for _, name := range names {
			r.plansChanged <- event.GenericEvent{Object: &v1alpha1.Tenant{Spec: v1alpha1.TenantSpec{Plan: name}}}
		}
	}()
}

// onPlan maps a changed plan (a Tenant event carrying only spec.plan) to
// the tenants on it, from the cache.
func onPlan(c client.Reader) handler.EventHandler {
	return handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, obj client.Object) []reconcile.Request {
		changed, ok := obj.(*v1alpha1.Tenant)
		if !ok {
			return nil
		}
		list := &v1alpha1.TenantList{}
		if err := c.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
			return nil
		}
		var out []reconcile.Request
		for _, t := range list.Items {
			if t.Spec.Plan == changed.Spec.Plan {
				out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: t.Name}})
			}
		}
		return out
	})
}
