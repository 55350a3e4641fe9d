package observability_test

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	"github.com/landlord-dev/landlord/services/stacktest"
)

func TestMain(m *testing.M) {
	code := devclustertest.Main(m)
	if shared != nil {
		shared.Close(code != 0)
	}
	os.Exit(code)
}

// The tests' history settings: what a crash may lose is flush.
const (
	sample = 200 * time.Millisecond
	flush  = 2 * time.Second
	// idleCheck is how often tenants are checked for idleness.
	idleCheck = time.Second
)

var (
	shared     *stacktest.Stack
	sharedOnce sync.Once
	sharedErr  error
)

// env is the package's stack and clients to its APIs.
type env struct {
	*stacktest.Stack
	obs     observabilityv1.ObservabilityServiceClient
	tenants provisioningv1.TenantServiceClient
	kube    kubernetes.Interface // the cluster admin's
}

func started(t *testing.T) *env {
	t.Helper()
	kubeconfig, dc := devclustertest.Kubeconfig(t), devclustertest.Env(t)
	sharedOnce.Do(func() {
		shared, sharedErr = stacktest.Start(kubeconfig, dc, os.TempDir(), stacktest.Options{Observability: true,
			ObservabilityArgs: append([]string{"--sample", sample.String(), "--flush", flush.String(), "--idle-check", idleCheck.String()}, priceSheetArgs()...)})
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return &env{Stack: shared, obs: observabilityv1.NewObservabilityServiceClient(dial(t, shared.Observability.Addr())),
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

// tenant creates a tenant on the standard plan and waits until it is
// Active.
func (e *env) tenant(t *testing.T, name string, namespaces ...string) {
	t.Helper()
	tn := &provisioningv1.Tenant{Name: name, Plan: "standard"}
	for _, ns := range namespaces {
		tn.Namespaces = append(tn.Namespaces, &provisioningv1.Namespace{Name: ns})
	}
	e.createTenant(t, tn)
}

// createTenant creates tn and waits until it is Active.
func (e *env) createTenant(t *testing.T, tn *provisioningv1.Tenant) {
	t.Helper()
	name := tn.GetName()
	if _, err := e.tenants.CreateTenant(e.Admin, &provisioningv1.CreateTenantRequest{Tenant: tn}, grpc.WaitForReady(true)); err != nil {
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

// podSpec passes the restricted Pod Security level and asks for milli
// millicores and mem of memory; without kubelets its pods stay Pending.
func podSpec(milli int64, mem string) corev1.PodSpec {
	no, yes := false, true
	res := corev1.ResourceList{corev1.ResourceCPU: *resource.NewMilliQuantity(milli, resource.DecimalSI),
		corev1.ResourceMemory: resource.MustParse(mem), corev1.ResourceEphemeralStorage: resource.MustParse("1Mi")}
	return corev1.PodSpec{
		SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: &yes, SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
		Containers: []corev1.Container{{
			Name: "c", Image: "registry.invalid/pause:1",
			Resources:       corev1.ResourceRequirements{Requests: res, Limits: res},
			SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: &no, Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}},
		}},
	}
}

// pod creates a pod in namespace ns.
func (e *env) pod(t *testing.T, ns, name string, milli int64, mem string) {
	t.Helper()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: podSpec(milli, mem)}
	if _, err := e.kube.CoreV1().Pods(ns).Create(t.Context(), p, metav1.CreateOptions{}); err != nil {
		t.Fatalf("pod %s/%s: %v", ns, name, err)
	}
}
