package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	shared "github.com/landlord-dev/landlord/services/internal/bench"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// The bench's tenants, raw or through the TenantService, have one
// namespace on one plan.
const (
	benchPlan      = "standard"
	benchNamespace = "app"
)

// rawTenant is the Tenant the raw baseline renders for (and, in
// tenantWrites, creates), as the bench creates them through the
// TenantService.
func rawTenant(name string) *v1alpha1.Tenant {
	return &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1alpha1.TenantSpec{Plan: benchPlan, Namespaces: []v1alpha1.TenantNamespace{{Name: benchNamespace}}}}
}

// operatorObjectsPerTenant is how many objects the operator makes for a
// one-namespace tenant: the namespace, what its renderer puts inside it,
// and the tenant's flow schema.
func operatorObjectsPerTenant() (int, error) {
	objs, err := Render(rawTenant("count"), benchNamespace)
	return objs.Len(), err
}

// createOperatorObjects creates, with plain creates through c (as the
// operator creates what does not exist yet), the objects the operator's
// renderer makes for a one-namespace tenant on the standard plan, for the
// tenants shared.RawCreates names from prefix (n of them; names no real
// Tenant has). It renders them all first, so that the timed creates cost
// the bench no rendering. Like the operator, it creates the namespace
// first and then the rest at once.
func createOperatorObjects(c client.Client, prefix string, n int) (shared.CreateFunc, error) {
	rendered := make(map[string]Objects, n)
	for i := range n {
		name := shared.RawName(prefix, i)
		objs, err := Render(rawTenant(name), benchNamespace)
		if err != nil {
			return nil, err
		}
		rendered[name] = objs
	}
	return func(ctx context.Context, _ kubernetes.Interface, name string) (shared.Latencies, error) {
		objs, ok := rendered[name]
		if !ok {
			return nil, fmt.Errorf("tenant %s was not rendered", name)
		}
		var (
			mu  sync.Mutex
			lat shared.Latencies
		)
		create := func(obj client.Object) error {
			start := time.Now()
			err := c.Create(ctx, obj, client.FieldOwner(v1alpha1.FieldManager))
			mu.Lock()
			lat = append(lat, time.Since(start))
			mu.Unlock()
			if err != nil {
				return fmt.Errorf("tenant %s: %s %s: %w", name, obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName(), err)
			}
			return nil
		}
		if err := create(objs.Namespace); err != nil {
			return lat, err
		}
		errs := make(chan error, len(objs.Rest))
		for _, obj := range objs.Rest {
			go func() { errs <- create(obj) }()
		}
		var firstErr error
		for range objs.Rest {
			if err := <-errs; err != nil && firstErr == nil {
				firstErr = err
			}
		}
		return lat, firstErr
	}, nil
}

// tenantWrites wraps objects (a tenant's objects, created) with the two
// writes of the Tenant itself that the operator's path cannot avoid: the
// user's create (with the finalizer, as the TenantService does) and one
// status write. Timed against this, the operator shows its own overhead.
func tenantWrites(c client.Client, objects shared.CreateFunc) shared.CreateFunc {
	return func(ctx context.Context, kube kubernetes.Interface, name string) (shared.Latencies, error) {
		t := rawTenant(name)
		t.Finalizers = []string{v1alpha1.Finalizer}
		if err := c.Create(ctx, t); err != nil {
			return nil, err
		}
		lat, err := objects(ctx, kube, name)
		if err != nil {
			return lat, err
		}
		before := t.DeepCopy()
		t.Status = v1alpha1.TenantStatus{Phase: v1alpha1.PhaseActive, ObservedGeneration: t.Generation, NamespaceCount: 1,
			Namespaces: []v1alpha1.NamespaceStatus{{Name: benchNamespace, ClusterName: render.ClusterName(name, benchNamespace), Ready: true}}}
		for _, cond := range []string{v1alpha1.ConditionNamespacesReady, v1alpha1.ConditionAccessReady, v1alpha1.ConditionQuotaReady, v1alpha1.ConditionPoliciesReady, v1alpha1.ConditionReady} {
			t.Status.Conditions = append(t.Status.Conditions, metav1.Condition{Type: cond, Status: metav1.ConditionTrue,
				Reason: "Reconciled", Message: "every object is in place", ObservedGeneration: t.Generation, LastTransitionTime: metav1.Now()})
		}
		return lat, c.Status().Patch(ctx, t, client.MergeFrom(before), client.FieldOwner(v1alpha1.FieldManager))
	}
}

// removeTenants deletes the baseline's Tenants (dropping the finalizer no
// operator will remove), so that the operator never sees them.
func removeTenants(ctx context.Context, c client.Client, prefix string, n int) error {
	for i := range n {
		t := &v1alpha1.Tenant{}
		if err := c.Get(ctx, client.ObjectKey{Name: shared.RawName(prefix, i)}, t); err != nil {
			return err
		}
		t.Finalizers = nil
		if err := c.Update(ctx, t); err != nil {
			return err
		}
		if err := c.Delete(ctx, t); client.IgnoreNotFound(err) != nil {
			return err
		}
	}
	return nil
}
