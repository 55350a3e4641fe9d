package controller

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// ForceDeleteAnnotation on a deleted Tenant asks the operator to remove the
// finalizers that keep its namespaces from terminating; its value says who
// asked (a platform admin, through DeleteTenant with force). Tenants can
// put finalizers on their own objects, so without it a tenant could make
// its own deletion hang for ever.
const ForceDeleteAnnotation = "landlord.dev/force-delete"

// The namespace conditions that say why a namespace is still terminating.
var blockingConditions = []corev1.NamespaceConditionType{
	corev1.NamespaceContentRemaining, corev1.NamespaceFinalizersRemaining,
	corev1.NamespaceDeletionContentFailure, corev1.NamespaceDeletionDiscoveryFailure, corev1.NamespaceDeletionGVParsingFailure,
}

// finalize deletes the tenant's namespaces and releases the Tenant once
// the namespace controller has emptied and removed them all. While it
// waits it reports what blocks it, backing off: namespace changes wake it
// anyway.
func (r *TenantReconciler) finalize(ctx context.Context, t *v1alpha1.Tenant) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(t, v1alpha1.Finalizer) {
		return ctrl.Result{}, nil
	}
	owned, err := r.owned(ctx, t)
	if err != nil {
		return ctrl.Result{}, err
	}
	for _, ns := range owned {
		if ns.DeletionTimestamp.IsZero() {
			if err := r.deleteNamespace(ctx, t, &ns); err != nil {
				return ctrl.Result{}, err
			}
		}
	}
	if len(owned) > 0 {
		var forceErr error
		if who := t.Annotations[ForceDeleteAnnotation]; who != "" {
			forceErr = r.forceFinalizers(ctx, t, owned, who)
		}
		if err := r.reportDeletion(ctx, t, owned, forceErr); err != nil {
			return ctrl.Result{}, err
		}
		if forceErr != nil {
			return ctrl.Result{}, forceErr
		}
		return ctrl.Result{RequeueAfter: deletionBackoff(time.Since(t.DeletionTimestamp.Time))}, nil
	}
	if err := r.deleteLegacyFlowSchema(ctx, t); err != nil {
		return ctrl.Result{}, err
	}
	if r.Memberships != nil {
		// Until identity has forgotten the tenant's members, the Tenant
		// stays: its name cannot be taken by a tenant they would join.
		if err := r.Memberships.DeleteTenantMemberships(ctx, t.Name); err != nil {
			r.Events.Eventf(t, nil, corev1.EventTypeWarning, "DeletionBlocked", "Delete", "removing the tenant's memberships in identity: %v", err)
			return ctrl.Result{}, fmt.Errorf("memberships of tenant %s: %w", t.Name, err)
		}
	}
	controllerutil.RemoveFinalizer(t, v1alpha1.Finalizer)
	return ctrl.Result{}, client.IgnoreNotFound(r.Client.Update(ctx, t))
}

// deletionBackoff waits longer the longer a deletion takes: a namespace
// usually empties in seconds, one held by a finalizer may never.
func deletionBackoff(elapsed time.Duration) time.Duration {
	return min(max(elapsed/4, time.Second), time.Minute)
}

// reportDeletion sets phase Terminating and a Deleting condition that
// names what each namespace still waits for, from the namespace
// controller's own conditions, and why forcing it failed, if it did; an
// event when that changes.
func (r *TenantReconciler) reportDeletion(ctx context.Context, t *v1alpha1.Tenant, owned []corev1.Namespace, forceErr error) error {
	before := t.DeepCopy()
	t.Status.Phase = v1alpha1.PhaseTerminating
	var blocked []string
	for _, ns := range owned {
		var why []string
		for _, c := range ns.Status.Conditions {
			if c.Status == corev1.ConditionTrue && slices.Contains(blockingConditions, c.Type) {
				why = append(why, c.Message)
			}
		}
		if len(why) > 0 {
			blocked = append(blocked, ns.Name+": "+strings.Join(why, "; "))
		}
	}
	cond := metav1.Condition{Type: v1alpha1.ConditionDeleting, Status: metav1.ConditionTrue, Reason: "NamespacesTerminating",
		Message: fmt.Sprintf("waiting for %d namespaces to terminate", len(owned)), ObservedGeneration: t.Generation}
	if len(blocked) > 0 {
		cond.Reason, cond.Message = "Blocked", strings.Join(blocked, " | ")
		switch {
		case forceErr != nil:
			cond.Message += " (forcing the deletion failed: " + forceErr.Error() + ")"
		case t.Annotations[ForceDeleteAnnotation] == "":
			cond.Message += " (a platform admin can force the deletion)"
		}
	}
	meta.SetStatusCondition(&t.Status.Conditions, cond)
	if err := r.writeStatus(ctx, before, t); err != nil {
		return err
	}
	if old := meta.FindStatusCondition(before.Status.Conditions, v1alpha1.ConditionDeleting); len(blocked) > 0 && (old == nil || old.Message != cond.Message) {
		r.Events.Eventf(t, nil, corev1.EventTypeWarning, "DeletionBlocked", "Delete", "%s", cond.Message)
	}
	return nil
}
