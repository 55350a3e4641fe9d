package controller

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/crds"
)

// report writes phase, conditions and namespace statuses for this
// generation. A first pass that fails leaves the tenant Provisioning; one
// that succeeds goes straight to Active, with no write in between.
func (r *TenantReconciler) report(ctx context.Context, t *v1alpha1.Tenant, namespaces []v1alpha1.NamespaceStatus, applyErr error) error {
	before := t.DeepCopy()
	t.Status.Namespaces = namespaces
	t.Status.NamespaceCount = int32(len(namespaces))
	status, reason, message := metav1.ConditionTrue, "Reconciled", "every object is in place"
	if applyErr != nil {
		status, reason, message = metav1.ConditionFalse, "ApplyFailed", applyErr.Error()
	}
	for _, c := range []string{v1alpha1.ConditionNamespacesReady, v1alpha1.ConditionAccessReady, v1alpha1.ConditionQuotaReady, v1alpha1.ConditionPoliciesReady, v1alpha1.ConditionReady} {
		meta.SetStatusCondition(&t.Status.Conditions, metav1.Condition{Type: c, Status: status, Reason: reason, Message: message, ObservedGeneration: t.Generation})
	}
	t.Status.ObservedGeneration = t.Generation
	switch phase := before.Status.Phase; {
	case applyErr != nil && t.Spec.Hibernation.Hibernated:
		t.Status.Phase = v1alpha1.PhaseHibernating
	case applyErr != nil && phase == v1alpha1.PhaseHibernated:
		t.Status.Phase = v1alpha1.PhaseWaking
	case applyErr != nil && (phase == "" || phase == v1alpha1.PhasePending):
		t.Status.Phase = v1alpha1.PhaseProvisioning
	case applyErr == nil && t.Spec.Hibernation.Hibernated:
		t.Status.Phase = v1alpha1.PhaseHibernated
	case applyErr == nil:
		t.Status.Phase = v1alpha1.PhaseActive
	}
	if err := r.writeStatus(ctx, before, t); err != nil {
		return err
	}
	if before.Status.Phase != t.Status.Phase {
		r.Events.Eventf(t, nil, corev1.EventTypeNormal, string(t.Status.Phase), "Reconcile", "tenant is %s", t.Status.Phase)
	}
	return applyErr
}

// fail records a problem the user must fix; retrying would not help.
func (r *TenantReconciler) fail(ctx context.Context, t *v1alpha1.Tenant, reason, message string) error {
	before := t.DeepCopy()
	t.Status.Phase = v1alpha1.PhaseFailed
	t.Status.ObservedGeneration = t.Generation
	meta.SetStatusCondition(&t.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse,
		Reason: reason, Message: message, ObservedGeneration: t.Generation})
	if equality.Semantic.DeepEqual(before.Status, t.Status) {
		return nil // already recorded (and announced)
	}
	r.Events.Eventf(t, nil, corev1.EventTypeWarning, reason, "Reconcile", "%s", message)
	return r.writeStatus(ctx, before, t)
}

// setPhase records a transition.
func (r *TenantReconciler) setPhase(ctx context.Context, t *v1alpha1.Tenant, phase v1alpha1.TenantPhase) error {
	before := t.DeepCopy()
	t.Status.Phase = phase
	return r.writeStatus(ctx, before, t)
}

// writeStatus patches what changed between before and t, and writes
// nothing if nothing did. The patch carries no resourceVersion: status is
// derived from the spec alone, and a pass that read a stale copy is
// followed by one that reads the newer copy its own write produced.
func (r *TenantReconciler) writeStatus(ctx context.Context, before, t *v1alpha1.Tenant) error {
	if equality.Semantic.DeepEqual(before.Status, t.Status) {
		return nil
	}
	if err := r.Client.Status().Patch(ctx, t, client.MergeFrom(before), client.FieldOwner(crds.FieldManager)); err != nil {
		return err
	}
	r.written.record(t.Name, before.ResourceVersion, &t.Status)
	return nil
}
