package observability_test

import (
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
)

// idleAfter is the test tenants' policy: long enough for the busy tenant's
// activity to keep it awake, short enough for a test.
const idleAfter = 15 * time.Second

// TestIdleTenantsAreHibernatedAndWokenByUse: a tenant nobody changes for
// its hibernate_after_idle is hibernated by the observability service
// (its Deployments at zero, its headroom back in its budget); one whose
// workloads keep changing is not. A member's request wakes the idle one,
// and it is not hibernated again until it has been idle again. Only
// platform admins list idle tenants.
func TestIdleTenantsAreHibernatedAndWokenByUse(t *testing.T) {
	e := started(t)
	policy := durationpb.New(idleAfter)
	for _, name := range []string{"obs-idle", "obs-busy"} {
		e.createTenant(t, &provisioningv1.Tenant{Name: name, Plan: "standard", HibernateAfterIdle: policy,
			Namespaces: []*provisioningv1.Namespace{{Name: "web"}}})
	}
	viewer := e.Member(t, "obs-idle-viewer", "obs-idle", identityv1.Role_ROLE_VIEWER)
	deployment := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: appsv1.DeploymentSpec{
		Replicas: ptr.To[int32](2), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}, Spec: podSpec(10, "16Mi")}}}
	if _, err := e.kube.AppsV1().Deployments("obs-idle-web").Create(t.Context(), deployment, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	lastUse := time.Now()
	// The busy tenant: a person changes a ConfigMap every few seconds.
	stop := make(chan struct{})
	busy := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("tick-%d", i)}}
			if _, err := e.kube.CoreV1().ConfigMaps("obs-busy-web").Create(t.Context(), cm, metav1.CreateOptions{}); err != nil {
				busy <- err
				return
			}
			select {
			case <-stop:
				busy <- nil
				return
			case <-time.After(3 * time.Second):
			}
		}
	}()
	tenant := func(name string) *provisioningv1.Tenant {
		t.Helper()
		resp, err := e.tenants.GetTenant(e.Admin, &provisioningv1.GetTenantRequest{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetTenant()
	}

	idleList := observabilityv1.NewHibernationServiceClient(dial(t, e.Observability.Addr()))
	if _, err := idleList.ListIdleTenants(viewer, &observabilityv1.ListIdleTenantsRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("a member listing idle tenants: %v, want PERMISSION_DENIED", err)
	}

	devclustertest.Eventually(t, idleAfter+30*time.Second, func() error {
		if got := tenant("obs-idle"); !got.GetHibernated() || got.GetHibernationReason() != provisioningv1.HibernationReason_HIBERNATION_REASON_IDLE {
			return fmt.Errorf("obs-idle: hibernated %v, reason %v", got.GetHibernated(), got.GetHibernationReason())
		}
		return nil
	})
	hibernatedAt := time.Now()
	if got := tenant("obs-busy"); got.GetHibernated() {
		t.Errorf("obs-busy, changed every 3 s, was hibernated")
	}
	list, err := idleList.ListIdleTenants(e.Admin, &observabilityv1.ListIdleTenantsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*observabilityv1.IdleTenant{}
	for _, it := range list.GetIdleTenants() {
		byName[it.GetTenant()] = it
	}
	if it := byName["obs-busy"]; it == nil || it.GetIdle() || it.GetIdleFor().AsDuration() > 10*time.Second {
		t.Errorf("obs-busy in the idle list: %v", it)
	}
	if it := byName["obs-idle"]; it == nil || !it.GetHibernated() || it.GetHibernationReason() != provisioningv1.HibernationReason_HIBERNATION_REASON_IDLE {
		t.Errorf("obs-idle in the idle list: %v", it)
	}
	// Asleep: its Deployment at zero, its headroom back in its budget.
	devclustertest.Eventually(t, 30*time.Second, func() error {
		d, err := e.kube.AppsV1().Deployments("obs-idle-web").Get(t.Context(), "web", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if r := ptr.Deref(d.Spec.Replicas, 1); r != 0 {
			return fmt.Errorf("obs-idle's deployment has %d replicas", r)
		}
		q, err := quotav1.NewTenantQuotaServiceClient(dial(t, e.Quota.Addr())).GetTenantQuota(e.Admin, &quotav1.GetTenantQuotaRequest{Tenant: "obs-idle"})
		if err != nil {
			return err
		}
		if !q.GetQuota().GetHibernated() {
			return fmt.Errorf("obs-idle's quota is not hibernated")
		}
		return nil
	})

	// A member's request wakes it, and it stays awake while not idle.
	if _, err := e.tenants.GetTenant(viewer, &provisioningv1.GetTenantRequest{Name: "obs-idle"}); err != nil {
		t.Fatal(err)
	}
	woke := time.Now()
	devclustertest.Eventually(t, 30*time.Second, func() error {
		if got := tenant("obs-idle"); got.GetHibernated() || got.GetPhase() != provisioningv1.Phase_PHASE_ACTIVE {
			return fmt.Errorf("obs-idle after a member's request: hibernated %v, phase %v", got.GetHibernated(), got.GetPhase())
		}
		d, err := e.kube.AppsV1().Deployments("obs-idle-web").Get(t.Context(), "web", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if r := ptr.Deref(d.Spec.Replicas, 1); r != 2 {
			return fmt.Errorf("obs-idle's deployment has %d replicas, want its 2 back", r)
		}
		return nil
	})
	t.Logf("hibernated %s after its last use (policy %s, checked every %s); awake again, its deployment at 2 replicas, %s after a member's request",
		hibernatedAt.Sub(lastUse).Round(100*time.Millisecond), idleAfter, idleCheck, time.Since(woke).Round(10*time.Millisecond))
	time.Sleep(idleAfter / 2)
	if got := tenant("obs-idle"); got.GetHibernated() {
		t.Errorf("obs-idle hibernated again %s after a member woke it, before its %s policy", time.Since(woke).Round(time.Second), idleAfter)
	}
	close(stop)
	if err := <-busy; err != nil {
		t.Fatal(err)
	}
}
