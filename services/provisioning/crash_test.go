package provisioning_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// TestKill9WhileCreatingTenants creates 100 tenants through the API of
// the real binary, kills it with SIGKILL part-way, restarts it (it must
// win the leader lease the dead process held) and retries what was not
// acknowledged with the same request ids: every tenant becomes Active
// with exactly one set of objects, and no namespace is left without its
// tenant.
func TestKill9WhileCreatingTenants(t *testing.T) {
	s := started(t)
	const n, workers = 100, 8
	name := func(i int) string { return fmt.Sprintf("crash-%03d", i) }
	create := func(i int) error {
		_, err := s.tenants.CreateTenant(s.admin, &provisioningv1.CreateTenantRequest{RequestId: "crash-test-" + name(i),
			Tenant: &provisioningv1.Tenant{Name: name(i), Plan: "free", Namespaces: []*provisioningv1.Namespace{{Name: "app"}}}})
		return err
	}
	var acked atomic.Int32
	done := make([]bool, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				if create(i) == nil {
					done[i] = true
					acked.Add(1)
				}
			}
		})
	}
	killed := make(chan struct{})
	go func() {
		for acked.Load() < 30 {
			time.Sleep(5 * time.Millisecond)
		}
		s.killOperator()
		close(killed)
	}()
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	<-killed
	t.Logf("%d of %d creates acknowledged before and after SIGKILL", acked.Load(), n)

	if err := s.startOperator(); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if done[i] {
			continue
		}
		devclustertest.Eventually(t, 30*time.Second, func() error { return create(i) })
	}

	kube := devclustertest.Admin(t)
	devclustertest.Eventually(t, 3*time.Minute, func() error {
		active := 0
		for token := ""; ; {
			page, err := s.tenants.ListTenants(s.admin, &provisioningv1.ListTenantsRequest{PageSize: 50, PageToken: token, Filter: "phase=ACTIVE"})
			if err != nil {
				return err
			}
			for _, tn := range page.GetTenants() {
				if len(tn.GetName()) == len("crash-000") && tn.GetName()[:6] == "crash-" {
					active++
				}
			}
			if token = page.GetNextPageToken(); token == "" {
				break
			}
		}
		if active != n {
			return fmt.Errorf("%d of %d tenants Active", active, n)
		}
		return nil
	})

	// Exactly one set of objects per tenant, and none without a tenant.
	for i := range n {
		ns := name(i) + "-app"
		sel := metav1.ListOptions{LabelSelector: "landlord.dev/tenant=" + name(i)}
		quotas, err := kube.CoreV1().ResourceQuotas(ns).List(t.Context(), sel)
		if err != nil || len(quotas.Items) != len(v1alpha1.QuotaNames) {
			t.Errorf("%s: quotas %d, %v", ns, len(quotas.Items), err)
		}
		bindings, err := kube.RbacV1().RoleBindings(ns).List(t.Context(), sel)
		if err != nil || len(bindings.Items) != 4 {
			t.Errorf("%s: role bindings %d, %v", ns, len(bindings.Items), err)
		}
	}
	managed, err := kube.CoreV1().Namespaces().List(t.Context(), metav1.ListOptions{LabelSelector: "app.kubernetes.io/managed-by=landlord-provisioning"})
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range managed.Items {
		if ns.DeletionTimestamp != nil {
			continue // its tenant is being deleted
		}
		tenant := ns.Labels["landlord.dev/tenant"]
		if _, err := s.tenants.GetTenant(s.admin, &provisioningv1.GetTenantRequest{Name: tenant}); status.Code(err) == codes.NotFound {
			t.Errorf("namespace %s is an orphan: tenant %q does not exist", ns.Name, tenant)
		}
	}
}
