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
	"github.com/landlord-dev/landlord/services/provisioning/internal/controller"
)

// TestBlockedDeletionIsVisibleAndCanBeForced: a tenant editor puts a
// finalizer nobody will remove on its own config map, then the tenant is
// deleted. The namespace cannot finish terminating; the tenant says why
// (the finalizer, from the namespace's conditions) instead of hanging
// silently, and a platform admin's force removes the finalizer, with an
// event that says what was removed and by whom, and the deletion finishes.
func TestBlockedDeletionIsVisibleAndCanBeForced(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	tenant := provision(t, c, "del-stuck", v1alpha1.TenantSpec{Plan: "free", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}}})
	waitQuotaTracked(t, "del-stuck-web")
	editor := impersonate(t, "landlord:eve", "landlord:tenant:del-stuck:editor")
	held := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "held", Finalizers: []string{"example.com/never"}}}
	if _, err := editor.CoreV1().ConfigMaps("del-stuck-web").Create(ctx, held, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	devclustertest.Eventually(t, 90*time.Second, func() error {
		got := &v1alpha1.Tenant{}
		if err := c.Get(ctx, client.ObjectKey{Name: "del-stuck"}, got); err != nil {
			return err
		}
		cond := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionDeleting)
		if got.Status.Phase != v1alpha1.PhaseTerminating || cond == nil || cond.Reason != "Blocked" || !strings.Contains(cond.Message, "example.com/never") {
			return fmt.Errorf("phase %s, Deleting = %+v", got.Status.Phase, cond)
		}
		return nil
	})
	waitEvent(t, "del-stuck", "DeletionBlocked")

	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:"user:platform-admin"}}}`, controller.ForceDeleteAnnotation)
	if err := c.Patch(ctx, tenant, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
		t.Fatal(err)
	}
	devclustertest.Eventually(t, 90*time.Second, func() error {
		if err := c.Get(ctx, client.ObjectKey{Name: "del-stuck"}, &v1alpha1.Tenant{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("tenant still there (%v)", err)
		}
		return nil
	})
	waitEvent(t, "del-stuck", "FinalizersForced")
}
