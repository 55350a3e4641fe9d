package controller_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/controller"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans/planstest"
	"github.com/landlord-dev/landlord/services/provisioning/internal/quotasync"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

func TestMain(m *testing.M) { os.Exit(devclustertest.Main(m)) }

// startOperator runs the reconciler in a manager against the dev cluster.
func startOperator(t *testing.T) client.Client {
	t.Helper()
	c, _ := startOperatorWith(t, devclustertest.AdminConfig(t))
	return c
}

// startOperatorWith runs an operator on cfg; stop stops it (idempotent).
func startOperatorWith(t *testing.T, cfg *rest.Config) (c client.Client, stop func()) {
	t.Helper()
	op := runOperator(t, cfg)
	return op.client, op.stop
}

// operator is a running reconciler with its quota syncer, fed by a
// stand-in for the quota service (testQuota).
type operator struct {
	client client.Client
	stop   func()
	syncer *quotasync.Syncer
	quota  *testQuota
}

// runOperator runs the reconciler in a manager against cfg, the way
// provisioning wires it, with the quota service's plans (planstest)
// already received.
func runOperator(t *testing.T, cfg *rest.Config) *operator {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
		Cache: controller.CacheOptions(),
		// Each test runs its own manager in this one process.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	operatorName, err := controller.OperatorIdentity(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	if err := controller.Install(ctx, direct, operatorName); err != nil {
		t.Fatal(err)
	}
	syncer := &quotasync.Syncer{Kube: mgr.GetClient(), Live: mgr.GetAPIReader()}
	syncer.Handle(ctx, &quotav1.SyncResponse{Plans: planstest.Protos()})
	quota := &testQuota{Syncer: syncer, tenants: mgr.GetAPIReader()}
	r := &controller.TenantReconciler{Plans: syncer, PlansReady: syncer.Ready, Quota: quota, Network: render.DefaultNetwork()}
	syncer.OnPlans = r.PlansChanged
	if err := r.SetupWithManager(mgr); err != nil {
		t.Fatal(err)
	}
	namespaces, err := mgr.GetCache().GetInformer(ctx, &corev1.Namespace{}, cache.BlockUntilSynced(false))
	if err != nil {
		t.Fatal(err)
	}
	if err := syncer.ForgetDeletedNamespaces(namespaces); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	stop := sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})
	t.Cleanup(stop)
	return &operator{client: mgr.GetClient(), stop: stop, syncer: syncer, quota: quota}
}

// testQuota stands in for the quota service: the first time the operator
// asks for a namespace's quota, it sends the syncer a write of the plan's
// namespace limits (planstest), which the syncer applies as it would one
// from the stream; then the syncer answers. Writes for the tenants in
// withheld are not sent (the quota service has not allocated yet).
type testQuota struct {
	*quotasync.Syncer
	tenants client.Reader

	mu       sync.Mutex
	withheld map[string]bool
}

func (q *testQuota) withhold(tenant string, withhold bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.withheld == nil {
		q.withheld = map[string]bool{}
	}
	q.withheld[tenant] = withhold
}

func (q *testQuota) EnsureQuota(ctx context.Context, tenant, namespace string) (bool, error) {
	if ok, err := q.Syncer.EnsureQuota(ctx, tenant, namespace); ok || err != nil {
		return ok, err
	}
	q.mu.Lock()
	withheld := q.withheld[tenant]
	q.mu.Unlock()
	if _, known := q.Latest(namespace); known || withheld {
		return false, nil
	}
	owner := &v1alpha1.Tenant{}
	if err := q.tenants.Get(ctx, client.ObjectKey{Name: tenant}, owner); err != nil {
		return false, client.IgnoreNotFound(err)
	}
	q.Handle(ctx, &quotav1.SyncResponse{Writes: []*quotav1.QuotaWrite{planstest.Write(tenant, namespace, owner.Spec.Plan)}})
	return q.Syncer.EnsureQuota(ctx, tenant, namespace)
}

func waitPhase(t *testing.T, c client.Client, name string, phase v1alpha1.TenantPhase) *v1alpha1.Tenant {
	t.Helper()
	tenant := &v1alpha1.Tenant{}
	devclustertest.Eventually(t, 60*time.Second, func() error {
		if err := c.Get(context.Background(), client.ObjectKey{Name: name}, tenant); err != nil {
			return err
		}
		if tenant.Status.Phase != phase || tenant.Status.ObservedGeneration != tenant.Generation {
			return fmt.Errorf("tenant %s is %q at generation %d/%d, want %q", name, tenant.Status.Phase, tenant.Status.ObservedGeneration, tenant.Generation, phase)
		}
		return nil
	})
	return tenant
}

// TestTenantBecomesActiveAndEditorsWorkOnlyInIt creates a tenant through
// the API server and checks what the operator made of it, as cluster admin
// and as a tenant editor (impersonated, as identity's tokens would say).
func TestTenantBecomesActiveAndEditorsWorkOnlyInIt(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	tenant := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: "ctl-acme"},
		Spec: v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}, {Name: "jobs"}}}}
	if err := c.Create(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	active := waitPhase(t, c, "ctl-acme", v1alpha1.PhaseActive)
	// Every condition, by name: an empty or partial list is not "all true".
	// TestOnlyQuotaFails shows that each is derived from its own objects.
	if err := conditionsAre(active, map[string]metav1.ConditionStatus{
		v1alpha1.ConditionReady: metav1.ConditionTrue, v1alpha1.ConditionNamespacesReady: metav1.ConditionTrue,
		v1alpha1.ConditionAccessReady: metav1.ConditionTrue, v1alpha1.ConditionQuotaReady: metav1.ConditionTrue,
		v1alpha1.ConditionPoliciesReady: metav1.ConditionTrue,
	}); err != nil {
		t.Error(err)
	}
	if active.Status.NamespaceCount != 2 {
		t.Errorf("namespace count = %d", active.Status.NamespaceCount)
	}

	ns := &corev1.Namespace{}
	if err := c.Get(ctx, client.ObjectKey{Name: "ctl-acme-web"}, ns); err != nil {
		t.Fatal(err)
	}
	if ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" || ns.Labels[render.LabelTenant] != "ctl-acme" {
		t.Errorf("namespace labels = %v", ns.Labels)
	}
	for name, obj := range map[string]client.Object{render.QuotaName: &corev1.ResourceQuota{}, v1alpha1.ObjectsQuotaName: &corev1.ResourceQuota{},
		render.LimitRangeName: &corev1.LimitRange{}, render.IsolationName: &networkingv1.NetworkPolicy{}} {
		if err := c.Get(ctx, client.ObjectKey{Namespace: "ctl-acme-web", Name: name}, obj); err != nil {
			t.Errorf("%T %s: %v", obj, name, err)
		}
	}

	// The tenant's users are one API Priority and Fairness flow each, in
	// the plan's priority level; the API server says which schema matched.
	fs := tierSchemaOf(t, c, "standard", "ctl-acme", "ctl-acme-web", "ctl-acme-jobs")
	devclustertest.Eventually(t, 30*time.Second, func() error {
		if got := matchedFlowSchema(t, "landlord:eve", "landlord:tenant:ctl-acme:editor"); got != string(fs.UID) {
			return fmt.Errorf("request matched flow schema %s, want the tenant's tier's %s", got, fs.UID)
		}
		return nil
	})

	editor := impersonate(t, "landlord:eve", "landlord:tenant:ctl-acme:editor")
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings"}}
	if _, err := editor.CoreV1().ConfigMaps("ctl-acme-web").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Errorf("editor in its namespace: %v", err)
	}
	if _, err := editor.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("editor outside its tenant: %v, want Forbidden", err)
	}
	for _, name := range v1alpha1.QuotaNames {
		if err := editor.CoreV1().ResourceQuotas("ctl-acme-web").Delete(ctx, name, metav1.DeleteOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("editor deleting its quota %s: %v, want Forbidden", name, err)
		}
	}

	// A tenant admin manages its own RBAC and policies, but not Landlord's:
	// the admission policy refuses, in the API server, what RBAC allows.
	admin := impersonate(t, "landlord:ada", "landlord:tenant:ctl-acme:admin")
	own := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "allow-web"},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}
	if _, err := admin.NetworkingV1().NetworkPolicies("ctl-acme-web").Create(ctx, own, metav1.CreateOptions{}); err != nil {
		t.Errorf("tenant admin creating its own network policy: %v", err)
	}
	devclustertest.Eventually(t, 30*time.Second, func() error {
		err := admin.NetworkingV1().NetworkPolicies("ctl-acme-web").Delete(ctx, render.IsolationName, metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}})
		if apierrors.IsInvalid(err) || apierrors.IsForbidden(err) {
			return nil
		}
		return fmt.Errorf("deleting Landlord's network policy as tenant admin: %v", err)
	})
	for name, try := range map[string]func() error{
		"delete Landlord's role binding": func() error {
			return admin.RbacV1().RoleBindings("ctl-acme-web").Delete(ctx, "landlord-editors", metav1.DeleteOptions{})
		},
		"label an object as Landlord's": func() error {
			spoof := own.DeepCopy()
			spoof.Name, spoof.ResourceVersion, spoof.Labels = "spoof", "", map[string]string{render.LabelManagedBy: render.ManagedBy}
			_, err := admin.NetworkingV1().NetworkPolicies("ctl-acme-web").Create(ctx, spoof, metav1.CreateOptions{})
			return err
		},
	} {
		if err := try(); !strings.Contains(fmt.Sprint(err), "Landlord") {
			t.Errorf("tenant admin may %s: %v", name, err)
		}
	}

	// Drift: a managed object deleted behind the operator's back comes back.
	if err := c.Delete(ctx, &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "ctl-acme-web", Name: render.IsolationName}}); err != nil {
		t.Fatal(err)
	}
	deleted := time.Now()
	devclustertest.Eventually(t, 30*time.Second, func() error {
		return c.Get(ctx, client.ObjectKey{Namespace: "ctl-acme-web", Name: render.IsolationName}, &networkingv1.NetworkPolicy{})
	})
	t.Logf("deleted network policy repaired after %s", time.Since(deleted).Round(time.Millisecond))

	// Dropping a namespace from the spec deletes it.
	active.Spec.Namespaces = active.Spec.Namespaces[:1]
	if err := c.Update(ctx, active); err != nil {
		t.Fatal(err)
	}
	waitPhase(t, c, "ctl-acme", v1alpha1.PhaseActive)
	devclustertest.Eventually(t, 60*time.Second, func() error {
		err := c.Get(ctx, client.ObjectKey{Name: "ctl-acme-jobs"}, &corev1.Namespace{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("ctl-acme-jobs still there (%v)", err)
	})

	// Deleting the tenant leaves nothing with its label, and it leaves
	// its tier's flow schema.
	defer waitNotInTierSchemas(t, c, "ctl-acme")
	if err := c.Delete(ctx, active); err != nil {
		t.Fatal(err)
	}
	devclustertest.Eventually(t, 90*time.Second, func() error {
		if err := c.Get(ctx, client.ObjectKey{Name: "ctl-acme"}, &v1alpha1.Tenant{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("tenant still there (%v)", err)
		}
		left := &corev1.NamespaceList{}
		if err := c.List(ctx, left, client.MatchingLabels{render.LabelTenant: "ctl-acme"}); err != nil || len(left.Items) > 0 {
			return fmt.Errorf("namespaces left: %d (%v)", len(left.Items), err)
		}
		return nil
	})
}

// TestPlanProblemsFailTheTenant: a tenant on a plan the quota service
// does not have fails and gets nothing. (How many namespaces a tenant may
// have is the quota service's to say, when the API writes the Tenant.)
func TestPlanProblemsFailTheTenant(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	for name, spec := range map[string]v1alpha1.TenantSpec{
		"ctl-noplan": {Plan: "platinum", Namespaces: []v1alpha1.TenantNamespace{{Name: "a"}}},
	} {
		tenant := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec}
		if err := c.Create(ctx, tenant); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Delete(context.Background(), tenant) })
		failed := waitPhase(t, c, name, v1alpha1.PhaseFailed)
		if ready := failed.Status.Conditions[0]; ready.Status != metav1.ConditionFalse || ready.Message == "" {
			t.Errorf("%s: Ready = %+v", name, ready)
		}
		if err := c.Get(ctx, client.ObjectKey{Name: name + "-a"}, &corev1.Namespace{}); !apierrors.IsNotFound(err) {
			t.Errorf("%s: a failed tenant got a namespace (%v)", name, err)
		}
	}
}

func impersonate(t *testing.T, user string, groups ...string) kubernetes.Interface {
	t.Helper()
	cfg := rest.CopyConfig(devclustertest.AdminConfig(t))
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: groups}
	return kubernetes.NewForConfigOrDie(cfg)
}

// matchedFlowSchema returns the UID of the flow schema the API server
// classified an impersonated request into.
func matchedFlowSchema(t *testing.T, user string, groups ...string) string {
	t.Helper()
	cfg := rest.CopyConfig(devclustertest.AdminConfig(t))
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: groups}
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := httpClient.Get(cfg.Host + "/api/v1/namespaces/ctl-acme-web/configmaps")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("X-Kubernetes-PF-FlowSchema-UID")
}

// TestPlanChangesReachTheirTenants: when the quota service sends a changed
// plan, the tenants on it are reconciled without any other prompt, and
// their namespaces follow the plan.
func TestPlanChangesReachTheirTenants(t *testing.T) {
	op := runOperator(t, devclustertest.AdminConfig(t))
	c := op.client
	ctx := context.Background()
	provision(t, c, "ctl-replan", v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}}})
	ns := &corev1.Namespace{}
	if err := c.Get(ctx, client.ObjectKey{Name: "ctl-replan-web"}, ns); err != nil {
		t.Fatal(err)
	}
	if got := ns.Annotations[render.AnnotationRuntimeClasses]; got != "" {
		t.Fatalf("runtime classes %q before the change", got)
	}
	changed := planstest.Protos()
	for _, p := range changed {
		if p.GetName() == "standard" {
			p.RuntimeClasses = []string{"gvisor"}
		}
	}
	sent := time.Now()
	op.syncer.Handle(ctx, &quotav1.SyncResponse{Plans: changed})
	devclustertest.Eventually(t, 30*time.Second, func() error {
		if err := c.Get(ctx, client.ObjectKey{Name: "ctl-replan-web"}, ns); err != nil {
			return err
		}
		if got := ns.Annotations[render.AnnotationRuntimeClasses]; got != "gvisor" {
			return fmt.Errorf("runtime classes %q, want the changed plan's gvisor", got)
		}
		return nil
	})
	t.Logf("plan change reached the namespace after %s", time.Since(sent).Round(time.Millisecond))
}
