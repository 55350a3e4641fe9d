package controller

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/applied"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// conditionOf maps what an object is for to the condition it reports to.
var conditionOf = map[render.Purpose]string{
	render.PurposeAccess:   v1alpha1.ConditionAccessReady,
	render.PurposeQuota:    v1alpha1.ConditionQuotaReady,
	render.PurposePolicies: v1alpha1.ConditionPoliciesReady,
}

// results gathers what one pass found, per condition and per namespace;
// safe for the concurrent applies of a pass.
type results struct {
	mu         sync.Mutex
	errs       map[string][]error // condition type -> what failed
	namespaces []v1alpha1.NamespaceStatus
	wrote      atomic.Bool
}

func newResults(namespaces int) *results {
	return &results{errs: map[string][]error{}, namespaces: make([]v1alpha1.NamespaceStatus, namespaces)}
}

// add records err (nil is success) under condition cond.
func (r *results) add(cond string, err error) {
	if err == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs[cond] = append(r.errs[cond], err)
}

// namespace records the outcome of one of namespace i's objects.
func (r *results) namespace(i int, name, clusterName, cond string, err error) {
	r.mu.Lock()
	s := &r.namespaces[i]
	if s.Name == "" {
		*s = v1alpha1.NamespaceStatus{Name: name, ClusterName: clusterName, Ready: true}
	}
	if err != nil && s.Ready {
		s.Ready, s.Message = false, err.Error()
	}
	r.mu.Unlock()
	r.add(cond, err)
}

func (r *results) ok() bool { return len(r.errs) == 0 }

// err is every failure, for the work queue's backoff.
func (r *results) err() error {
	var all []error
	for _, errs := range r.errs {
		all = append(all, errs...)
	}
	return errors.Join(all...)
}

// waiting reports whether every failure is a wait for the quota service.
func (r *results) waiting() bool {
	for cond := range r.errs {
		if !r.waitingFor(cond) {
			return false
		}
	}
	return !r.ok()
}

// waitingFor: every failure under cond is a wait for the quota service.
func (r *results) waitingFor(cond string) bool {
	return !slices.ContainsFunc(r.errs[cond], func(err error) bool {
		_, waiting := errors.AsType[*waitingError](err)
		return !waiting
	})
}

// permanent reports whether every failure is a claim someone else holds:
// retrying at once cannot help.
func (r *results) permanent() bool {
	for cond := range r.errs {
		if !r.permanentFor(cond) {
			return false
		}
	}
	return !r.ok()
}

// condition derives one condition from its own failures.
func (r *results) condition(cond string, generation int64) metav1.Condition {
	c := metav1.Condition{Type: cond, Status: metav1.ConditionTrue, Reason: "Reconciled", Message: "every object is in place", ObservedGeneration: generation}
	var msgs []string
	for _, err := range r.errs[cond] {
		msgs = append(msgs, err.Error())
	}
	if len(msgs) > 0 {
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, "ApplyFailed", strings.Join(msgs, "; ")
		switch {
		case r.permanentFor(cond):
			c.Reason = "Taken"
		case r.waitingFor(cond):
			c.Reason = "WaitingForQuota"
		}
	}
	return c
}

// permanentFor: every failure under cond is a claim someone else holds.
func (r *results) permanentFor(cond string) bool {
	return !slices.ContainsFunc(r.errs[cond], func(err error) bool {
		_, taken := errors.AsType[*applied.NotOwnedError](err)
		return !taken
	})
}

// report writes phase, conditions and namespace statuses for this
// generation; each condition says only what its own objects did, and Ready
// sums them up. A first pass that fails leaves the tenant Provisioning;
// one that succeeds goes straight to Active, with no write in between. A
// tenant whose settings claim what another holds is Failed until they
// change or the claim is freed.
func (r *TenantReconciler) report(ctx context.Context, t *v1alpha1.Tenant, res *results) error {
	before := t.DeepCopy()
	t.Status.Namespaces = res.namespaces
	t.Status.NamespaceCount = int32(len(res.namespaces))
	var notReady []string
	for _, c := range []string{v1alpha1.ConditionNamespacesReady, v1alpha1.ConditionAccessReady, v1alpha1.ConditionQuotaReady, v1alpha1.ConditionPoliciesReady} {
		cond := res.condition(c, t.Generation)
		meta.SetStatusCondition(&t.Status.Conditions, cond)
		if cond.Status != metav1.ConditionTrue {
			notReady = append(notReady, c)
		}
	}
	ready := res.condition(v1alpha1.ConditionReady, t.Generation)
	if ready.Status == metav1.ConditionTrue && len(notReady) > 0 {
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, "NotReady", "not ready: "+strings.Join(notReady, ", ")
	}
	meta.SetStatusCondition(&t.Status.Conditions, ready)
	t.Status.ObservedGeneration = t.Generation
	failed := !res.ok()
	switch phase := before.Status.Phase; {
	case res.permanent():
		t.Status.Phase = v1alpha1.PhaseFailed
	case failed && t.Spec.Hibernation.Hibernated:
		t.Status.Phase = v1alpha1.PhaseHibernating
	case failed && phase == v1alpha1.PhaseHibernated:
		t.Status.Phase = v1alpha1.PhaseWaking
	case failed && (phase == "" || phase == v1alpha1.PhasePending || phase == v1alpha1.PhaseFailed):
		t.Status.Phase = v1alpha1.PhaseProvisioning
	case !failed && t.Spec.Hibernation.Hibernated:
		t.Status.Phase = v1alpha1.PhaseHibernated
	case !failed:
		t.Status.Phase = v1alpha1.PhaseActive
	}
	if err := r.writeStatus(ctx, before, t); err != nil {
		return err
	}
	if before.Status.Phase != t.Status.Phase {
		kind := corev1.EventTypeNormal
		if t.Status.Phase == v1alpha1.PhaseFailed {
			kind = corev1.EventTypeWarning
		}
		r.Events.Eventf(t, nil, kind, string(t.Status.Phase), "Reconcile", "tenant is %s: %s", t.Status.Phase, ready.Message)
	}
	return nil
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
	if err := r.Client.Status().Patch(ctx, t, client.MergeFrom(before), client.FieldOwner(v1alpha1.FieldManager)); err != nil {
		return err
	}
	r.written.record(t.Name, before.ResourceVersion, &t.Status)
	return nil
}
