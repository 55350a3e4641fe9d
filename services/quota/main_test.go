package quota_test

import (
	"os"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"k8s.io/client-go/kubernetes"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	"github.com/landlord-dev/landlord/services/quota/bench"
	"github.com/landlord-dev/landlord/services/stacktest"
)

func TestMain(m *testing.M) {
	code := devclustertest.Main(m)
	if shared != nil {
		shared.Close(code != 0)
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
	kube    kubernetes.Interface // the cluster admin's
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
		tenants: provisioningv1.NewTenantServiceClient(dial(t, shared.Provisioning.Addr())),
		kube:    devclustertest.Admin(t)}
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

// plan creates a plan like "standard" with its own name, namespace count
// and budget changes.
func (e *env) plan(t *testing.T, name string, namespaces int32, budget map[string]string) *quotav1.Plan {
	t.Helper()
	p, err := bench.CreatePlan(e.Admin, e.plans, name, namespaces, budget)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// tenant creates a tenant on plan and waits until it is Active.
func (e *env) tenant(t *testing.T, name, plan string, namespaces ...string) {
	t.Helper()
	if err := bench.CreateTenant(e.Admin, e.tenants, name, plan, namespaces...); err != nil {
		t.Fatal(err)
	}
}
