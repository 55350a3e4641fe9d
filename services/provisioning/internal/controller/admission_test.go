package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// These tests exercise the cluster-wide admission policies Setup installs.
// A new policy takes a moment to reach the API server's admission chain, so
// each test first waits until a known-bad request is refused.

// waitRefused retries try until the API server refuses it with reason and
// a message containing want.
func waitRefused(t *testing.T, try func() error, reason metav1.StatusReason, want string) {
	t.Helper()
	devclustertest.Eventually(t, 30*time.Second, func() error {
		err := try()
		if apierrors.ReasonForError(err) == reason && err != nil && strings.Contains(err.Error(), want) {
			return nil
		}
		return fmt.Errorf("not refused yet: %v", err)
	})
}

// TestAdmissionPoliciesTypeCheck: the API server type-checks each policy's
// CEL against the kinds it matches and reports mistakes (a misspelt field)
// only as warnings in status, so a broken expression would otherwise
// surface as refusals at run time.
func TestAdmissionPoliciesTypeCheck(t *testing.T) {
	startOperator(t)
	kube := devclustertest.Admin(t)
	for _, p := range render.AdmissionPolicies("landlord-dev-admin") {
		devclustertest.Eventually(t, 30*time.Second, func() error {
			got, err := kube.AdmissionregistrationV1().ValidatingAdmissionPolicies().Get(context.Background(), *p.Policy.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			// The type checker writes observedGeneration with its result
			// (no typeChecking at all when a fixed policy has no warnings).
			if got.Status.ObservedGeneration != got.Generation {
				return fmt.Errorf("%s not type-checked yet", got.Name)
			}
			if tc := got.Status.TypeChecking; tc != nil {
				for _, w := range tc.ExpressionWarnings {
					t.Errorf("%s: %s: %s", got.Name, w.FieldRef, w.Warning)
				}
			}
			return nil
		})
	}
}

func TestDeletionProtectionHoldsAgainstClusterAdmins(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	tenant := provision(t, c, "adm-protected", v1alpha1.TenantSpec{Plan: "free", DeletionProtection: true,
		Namespaces: []v1alpha1.TenantNamespace{{Name: "data"}}})
	const want = "protected from deletion"
	waitRefused(t, func() error { return c.Delete(ctx, tenant, client.DryRunAll) }, metav1.StatusReasonForbidden, want)

	err := c.Delete(ctx, tenant)
	wantReason(t, "cluster admin deleting a protected tenant", err, metav1.StatusReasonForbidden, want)
	if err := c.Get(ctx, client.ObjectKey{Name: "adm-protected-data"}, &corev1.Namespace{}); err != nil {
		t.Errorf("protected tenant's namespace: %v", err)
	}

	// Two deliberate steps: protection off, then delete.
	if err := c.Patch(ctx, tenant, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"deletionProtection":false}}`))); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, tenant); err != nil {
		t.Fatalf("deleting the unprotected tenant: %v", err)
	}
	devclustertest.Eventually(t, 60*time.Second, func() error {
		if err := c.Get(ctx, client.ObjectKey{Name: "adm-protected"}, &v1alpha1.Tenant{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("tenant still there (%v)", err)
		}
		return nil
	})
}

// TestLandlordIdentitiesCannotWriteNamespaces gives a Landlord identity
// every permission (system:masters) to show the policy, not RBAC, refusing.
func TestLandlordIdentitiesCannotWriteNamespaces(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	provision(t, c, "adm-namespaces", v1alpha1.TenantSpec{Plan: "free", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}}})
	root := impersonate(t, "landlord:root", "system:masters")
	const want = "only through Landlord"
	probe := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "adm-namespaces-probe"}}
	waitRefused(t, func() error {
		_, err := root.CoreV1().Namespaces().Create(ctx, probe, dryRunCreate)
		return err
	}, metav1.StatusReasonForbidden, want)

	ns := "adm-namespaces-web"
	relabel := []byte(`{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"privileged"},"annotations":{"landlord.dev/allowed-storage-classes":"any"}}}`)
	_, err := root.CoreV1().Namespaces().Patch(ctx, ns, types.MergePatchType, relabel, metav1.PatchOptions{})
	wantReason(t, "relabel a tenant namespace", err, metav1.StatusReasonForbidden, want)
	err = root.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
	wantReason(t, "delete a tenant namespace", err, metav1.StatusReasonForbidden, want)
	_, err = root.CoreV1().Namespaces().Create(ctx, probe, metav1.CreateOptions{})
	wantReason(t, "create a namespace", err, metav1.StatusReasonForbidden, want)

	// Other identities (cluster admins, the operator) are not affected.
	if _, err := devclustertest.Admin(t).CoreV1().Namespaces().Create(ctx, probe, dryRunCreate); err != nil {
		t.Errorf("cluster admin creating a namespace: %v", err)
	}
}

func TestClaimsUseOnlyAllowedStorageClasses(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	provision(t, c, "adm-storage", v1alpha1.TenantSpec{Plan: "standard", AllowedStorageClasses: []string{"fast"},
		Namespaces: []v1alpha1.TenantNamespace{{Name: "db"}}})
	ns := "adm-storage-db"
	waitQuotaTracked(t, ns)
	editor := impersonate(t, "landlord:eve", "landlord:tenant:adm-storage:editor")
	create := func(user interface {
		Create(context.Context, *corev1.PersistentVolumeClaim, metav1.CreateOptions) (*corev1.PersistentVolumeClaim, error)
	}, name string, class *string, opts metav1.CreateOptions) error {
		_, err := user.Create(ctx, claim(name, class), opts)
		return err
	}
	claims := editor.CoreV1().PersistentVolumeClaims(ns)
	waitRefused(t, func() error { return create(claims, "probe", ptr.To("slow"), dryRunCreate) },
		metav1.StatusReasonForbidden, "storage class slow is not allowed")

	if err := create(claims, "fast", ptr.To("fast"), metav1.CreateOptions{}); err != nil {
		t.Errorf("claim of an allowed class: %v", err)
	}
	err := create(claims, "slow", ptr.To("slow"), metav1.CreateOptions{})
	wantReason(t, "claim of another class", err, metav1.StatusReasonForbidden, "allowed: fast")
	// Without a class (no default class in the dev cluster) or with "", a
	// claim would bind to volumes nobody allowed.
	err = create(claims, "none", nil, metav1.CreateOptions{})
	wantReason(t, "claim without a class", err, metav1.StatusReasonForbidden, "must name a storage class")
	err = create(claims, "empty", ptr.To(""), metav1.CreateOptions{})
	wantReason(t, `claim of class ""`, err, metav1.StatusReasonForbidden, "must name a storage class")
	// Changing an accepted claim is fine: only its class is checked.
	if _, err := claims.Patch(ctx, "fast", types.MergePatchType, []byte(`{"metadata":{"labels":{"tier":"db"}}}`), metav1.PatchOptions{}); err != nil {
		t.Errorf("labelling an allowed claim: %v", err)
	}
	// Controllers create claims for tenants; the policy holds for any user.
	err = create(devclustertest.Admin(t).CoreV1().PersistentVolumeClaims(ns), "by-admin", ptr.To("slow"), dryRunCreate)
	wantReason(t, "cluster admin's claim of another class", err, metav1.StatusReasonForbidden, "not allowed")
}

func TestIsolatedPlanRequiresRuntimeClass(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	// The RuntimeClass admission plugin refuses pods naming a class that
	// does not exist; no node needs to run it.
	rc := &nodev1.RuntimeClass{ObjectMeta: metav1.ObjectMeta{Name: "gvisor"}, Handler: "runsc"}
	switch err := c.Create(ctx, rc); {
	case err == nil:
		t.Cleanup(func() { _ = c.Delete(context.Background(), rc) })
	case !apierrors.IsAlreadyExists(err):
		t.Fatal(err)
	}
	provision(t, c, "adm-isolated", v1alpha1.TenantSpec{Plan: "isolated", Namespaces: []v1alpha1.TenantNamespace{{Name: "app"}}})
	ns := "adm-isolated-app"
	waitQuotaTracked(t, ns)
	editor := impersonate(t, "landlord:eve", "landlord:tenant:adm-isolated:editor")
	const want = "must run under one of the runtime classes gvisor, kata"
	waitRefused(t, func() error {
		_, err := editor.CoreV1().Pods(ns).Create(ctx, compliantPod("probe"), dryRunCreate)
		return err
	}, metav1.StatusReasonForbidden, want)

	_, err := editor.CoreV1().Pods(ns).Create(ctx, compliantPod("plain"), metav1.CreateOptions{})
	wantReason(t, "pod without a runtime class", err, metav1.StatusReasonForbidden, want)
	// Pods mostly come from controllers; the policy holds for any user.
	_, err = devclustertest.Admin(t).CoreV1().Pods(ns).Create(ctx, compliantPod("by-admin"), dryRunCreate)
	wantReason(t, "cluster admin's pod without a runtime class", err, metav1.StatusReasonForbidden, want)

	sandboxed := compliantPod("sandboxed")
	sandboxed.Spec.RuntimeClassName = ptr.To("gvisor")
	if _, err := editor.CoreV1().Pods(ns).Create(ctx, sandboxed, metav1.CreateOptions{}); err != nil {
		t.Errorf("pod under gvisor: %v", err)
	}
}

func claim(name string, class *string) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PersistentVolumeClaimSpec{
		StorageClassName: class,
		AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
		Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
	}}
}
