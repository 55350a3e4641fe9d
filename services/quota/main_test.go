package quota_test

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	"github.com/landlord-dev/landlord/services/stacktest"
)

func TestMain(m *testing.M) {
	code := devclustertest.Main(m)
	if shared != nil {
		shared.Close()
	}
	os.Exit(code)
}

var (
	shared     *stacktest.Stack
	sharedOnce sync.Once
	sharedErr  error
)

// env is the package's stack and clients to its APIs.
type env struct {
	*stacktest.Stack
	plans   quotav1.PlanServiceClient
	quotas  quotav1.TenantQuotaServiceClient
	tenants provisioningv1.TenantServiceClient
}

func started(t *testing.T) *env {
	t.Helper()
	kubeconfig, dc := devclustertest.Kubeconfig(t), devclustertest.Env(t)
	sharedOnce.Do(func() { shared, sharedErr = stacktest.Start(kubeconfig, dc, os.TempDir(), stacktest.Options{}) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return &env{Stack: shared, plans: quotav1.NewPlanServiceClient(dial(t, shared.Quota.Addr())),
		quotas:  quotav1.NewTenantQuotaServiceClient(dial(t, shared.Quota.Addr())),
		tenants: provisioningv1.NewTenantServiceClient(dial(t, shared.Provisioning.Addr()))}
}

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := shared.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// plan creates a plan like "standard" but with its own name and the given
// tenant-wide budget changes and namespace count.
func (e *env) plan(t *testing.T, name string, namespaces int32, budget map[string]string) *quotav1.Plan {
	t.Helper()
	base, err := e.plans.GetPlan(e.Admin, &quotav1.GetPlanRequest{Name: "standard"})
	if err != nil {
		t.Fatal(err)
	}
	p := proto.Clone(base.GetPlan()).(*quotav1.Plan)
	p.Name, p.MaxNamespaces, p.Etag, p.CreateTime, p.UpdateTime = name, namespaces, "", nil, nil
	p.NamespaceInitial = nil // an even split of the budget
	for r, q := range budget {
		p.Budget[r] = q
	}
	resp, err := e.plans.CreatePlan(e.Admin, &quotav1.CreatePlanRequest{Plan: p})
	if err != nil {
		t.Fatalf("create plan %s: %v", name, err)
	}
	return resp.GetPlan()
}

// tenant creates a tenant on plan with the named namespaces and waits
// until it is Active (its quotas are in place: the role bindings wait
// for them).
func (e *env) tenant(t *testing.T, name, plan string, namespaces ...string) {
	t.Helper()
	tn := &provisioningv1.Tenant{Name: name, Plan: plan}
	for _, ns := range namespaces {
		tn.Namespaces = append(tn.Namespaces, &provisioningv1.Namespace{Name: ns})
	}
	if _, err := e.tenants.CreateTenant(e.Admin, &provisioningv1.CreateTenantRequest{Tenant: tn}); err != nil {
		t.Fatalf("create tenant %s: %v", name, err)
	}
	devclustertest.Eventually(t, 60*time.Second, func() error {
		resp, err := e.tenants.GetTenant(e.Admin, &provisioningv1.GetTenantRequest{Name: name})
		if err != nil {
			return err
		}
		if got := resp.GetTenant(); got.GetPhase() != provisioningv1.Phase_PHASE_ACTIVE || got.GetObservedGeneration() != got.GetGeneration() {
			return fmt.Errorf("tenant %s is %v", name, got.GetPhase())
		}
		return nil
	})
}

// pod is a Pod that passes the restricted Pod Security level and asks
// for cpu; without kubelets it stays Pending, and quota counts it.
func pod(name, cpu string) *corev1.Pod {
	no, yes := false, true
	res := corev1.ResourceList{corev1.ResourceCPU: mustQuantity(cpu), corev1.ResourceMemory: mustQuantity("16Mi")}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: &yes, SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
			Containers: []corev1.Container{{
				Name: "c", Image: "registry.invalid/pause:1",
				Resources:       corev1.ResourceRequirements{Requests: res, Limits: res},
				SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: &no, Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}},
			}},
		},
	}
}
