package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// TestNoNamespaceTakeover: tenant "acme" asks for namespace "corp-prod",
// which spells "acme-corp-prod", tenant "acme-corp"'s "prod". The Tenant is
// written straight to the API server, as a cluster admin's kubectl would,
// so nothing but the operator stands in the way. The victim's namespace,
// labels, owner and bindings stay exactly as they were; the claimant is
// Failed with a reason and an event, and deleting it deletes nothing of
// the victim's.
func TestNoNamespaceTakeover(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	victim := provision(t, c, "acme-corp", v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "prod"}}})
	const ns = "acme-corp-prod"
	before := snapshot(t, c, ns)

	attacker := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: "acme"},
		Spec: v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "corp-prod"}, {Name: "own"}}}}
	if err := c.Create(ctx, attacker); err != nil {
		t.Fatal(err)
	}
	failed := waitPhase(t, c, "acme", v1alpha1.PhaseFailed)
	cond := meta.FindStatusCondition(failed.Status.Conditions, v1alpha1.ConditionNamespacesReady)
	if cond == nil || cond.Status != metav1.ConditionFalse || cond.Reason != "Taken" || !strings.Contains(cond.Message, ns) {
		t.Errorf("NamespacesReady = %+v, want False/Taken naming %s", cond, ns)
	}
	// Its own namespace is provisioned; the rest of the tenant works.
	if err := c.Get(ctx, client.ObjectKey{Name: "acme-own"}, &corev1.Namespace{}); err != nil {
		t.Errorf("the attacker's own namespace: %v", err)
	}
	waitEvent(t, "acme", "Failed")
	if after := snapshot(t, c, ns); after != before {
		t.Errorf("victim's namespace changed:\n before %s\n after  %s", before, after)
	}

	// Deleting the claimant removes its own namespace, never the victim's.
	if err := c.Delete(ctx, attacker); err != nil {
		t.Fatal(err)
	}
	devclustertest.Eventually(t, 60*time.Second, func() error {
		if err := c.Get(ctx, client.ObjectKey{Name: "acme"}, &v1alpha1.Tenant{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("claimant still there (%v)", err)
		}
		return nil
	})
	if after := snapshot(t, c, ns); after != before {
		t.Errorf("victim's namespace changed by the claimant's deletion:\n before %s\n after  %s", before, after)
	}
	waitPhase(t, c, victim.Name, v1alpha1.PhaseActive)
}

// TestNoAdoptionOfForeignNamespaces: a namespace the cluster admin made by
// hand is not adopted when a tenant's name and namespace spell it.
func TestNoAdoptionOfForeignNamespaces(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	handmade := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "tko-hand-made", Labels: map[string]string{"team": "platform"}}}
	if err := c.Create(ctx, handmade); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), handmade) })
	before := snapshot(t, c, handmade.Name)
	attacker := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: "tko-hand"},
		Spec: v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "made"}}}}
	if err := c.Create(ctx, attacker); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), attacker) })
	failed := waitPhase(t, c, "tko-hand", v1alpha1.PhaseFailed)
	if cond := meta.FindStatusCondition(failed.Status.Conditions, v1alpha1.ConditionNamespacesReady); cond == nil || !strings.Contains(cond.Message, "not created by Landlord") {
		t.Errorf("NamespacesReady = %+v", cond)
	}
	if after := snapshot(t, c, handmade.Name); after != before {
		t.Errorf("hand-made namespace changed:\n before %s\n after  %s", before, after)
	}
}

// TestReservedAndBadNamesAreRefusedByTheAPIServer: the CRD's own rules
// refuse them, so kubectl gets a clear error and the operator never sees
// them.
func TestReservedAndBadNamesAreRefusedByTheAPIServer(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, namespace, want string
	}{
		{"kube", "system", "tenant names may not be kube"},
		{"kube-x", "web", "tenant names may not be kube"},
		{"landlord", "system", "tenant names may not be kube, landlord"},
		{"openshift-a", "web", "tenant names may not be"},
		{"acme", "system", "reserved for platform components"},
		{"acme", "istio-system", "reserved for platform components"},
		{"a.b", "web", "lower-case DNS labels"},
		{"9lives", "web", "lower-case DNS labels"},
	} {
		tenant := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: tc.name},
			Spec: v1alpha1.TenantSpec{Plan: "free", Namespaces: []v1alpha1.TenantNamespace{{Name: tc.namespace}}}}
		err := c.Create(ctx, tenant, client.DryRunAll)
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("tenant %s namespace %s: %v, want Invalid containing %q", tc.name, tc.namespace, err, tc.want)
		}
	}
	for _, ns := range []string{"kube-system", "kube-public", "default", render.LegacyFlowSchemaName("x")} {
		if got := render.ReservedClusterName(ns); got == "" && ns != render.LegacyFlowSchemaName("x") {
			t.Errorf("%s is not reserved", ns)
		}
	}
}

// snapshot is what a takeover would change about a namespace: its
// labels, annotations, controller and role bindings, with versions.
func snapshot(t *testing.T, _ client.Client, ns string) string {
	t.Helper()
	ctx := context.Background()
	kube := devclustertest.Admin(t)
	live, err := kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var owner types.UID
	if ref := metav1.GetControllerOf(live); ref != nil {
		owner = ref.UID
	}
	bindings, err := kube.RbacV1().RoleBindings(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var rbs []string
	for _, rb := range bindings.Items {
		rbs = append(rbs, fmt.Sprintf("%s@%s:%v", rb.Name, rb.ResourceVersion, rb.Subjects))
	}
	return fmt.Sprintf("rv=%s labels=%v annotations=%v owner=%s bindings=%v", live.ResourceVersion, live.Labels, live.Annotations, owner, rbs)
}

// waitEvent waits for an event about tenant with the given reason.
func waitEvent(t *testing.T, tenant, reason string) {
	t.Helper()
	kube := devclustertest.Admin(t)
	devclustertest.Eventually(t, 30*time.Second, func() error {
		list, err := kube.EventsV1().Events("default").List(context.Background(), metav1.ListOptions{FieldSelector: "regarding.name=" + tenant})
		if err != nil {
			return err
		}
		var seen []string
		for _, e := range list.Items {
			if e.Reason == reason {
				return nil
			}
			seen = append(seen, e.Reason)
		}
		return fmt.Errorf("no %s event for tenant %s (have %v)", reason, tenant, seen)
	})
}
