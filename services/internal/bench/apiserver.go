package bench

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// ObjectsPerTenant is the object set one tenant namespace needs: the
// namespace, a RoleBinding, a ResourceQuota, a LimitRange and two
// NetworkPolicies.
const ObjectsPerTenant = 6

// APIServerResult is the raw create throughput of the API server.
type APIServerResult struct {
	Tenants   int
	Objects   int // per tenant
	Workers   int
	Elapsed   time.Duration
	Creates   Latencies
	TenantsPS float64
	ObjectsPS float64
}

// CreateFunc creates one tenant's objects (the tenant named name) and
// returns each create's latency.
type CreateFunc func(ctx context.Context, kube kubernetes.Interface, name string) (Latencies, error)

// APIServer creates the object set of `tenants` tenants with raw client-go
// creates from `workers` goroutines, client-side rate limits off. It is the
// physical limit that provisioning is measured against.
func APIServer(ctx context.Context, cfg *rest.Config, prefix string, tenants, workers int) (*APIServerResult, error) {
	return RawCreates(ctx, cfg, prefix, tenants, workers, ObjectsPerTenant, createTenantObjects)
}

// RawName is the name RawCreates gives its i-th tenant.
func RawName(prefix string, i int) string { return fmt.Sprintf("%s-%05d", prefix, i) }

// RawCreates runs create, which makes one tenant's `objects` objects, for
// `tenants` tenants (named by RawName) from `workers` goroutines,
// client-side rate limits off.
func RawCreates(ctx context.Context, cfg *rest.Config, prefix string, tenants, workers, objects int, create CreateFunc) (*APIServerResult, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = -1, 0
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	jobs := make(chan int)
	var (
		mu       sync.Mutex
		creates  Latencies
		firstErr error
		wg       sync.WaitGroup
	)
	start := time.Now()
	for range workers {
		wg.Go(func() {
			var mine Latencies
			for i := range jobs {
				lat, err := create(ctx, kube, RawName(prefix, i))
				mine = append(mine, lat...)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
			mu.Lock()
			creates = append(creates, mine...)
			mu.Unlock()
		})
	}
	for i := range tenants {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return nil, firstErr
	}
	return &APIServerResult{
		Tenants: tenants, Objects: objects, Workers: workers, Elapsed: elapsed, Creates: creates,
		TenantsPS: float64(tenants) / elapsed.Seconds(),
		ObjectsPS: float64(tenants*objects) / elapsed.Seconds(),
	}, nil
}

// Print writes the result.
func (r *APIServerResult) Print(w io.Writer) {
	Row(w, "tenants x objects", fmt.Sprintf("%d x %d, %d workers", r.Tenants, r.Objects, r.Workers))
	Row(w, "elapsed", r.Elapsed.Round(time.Millisecond).String())
	Row(w, "objects/s", fmt.Sprintf("%.0f", r.ObjectsPS))
	Row(w, "tenants/s", fmt.Sprintf("%.1f", r.TenantsPS))
	Row(w, "create latency p50 / p99", Ms(r.Creates.Quantile(0.5))+" / "+Ms(r.Creates.Quantile(0.99)))
}

// createTenantObjects creates one tenant's namespace and then its five
// namespaced objects, returning each create's latency.
func createTenantObjects(ctx context.Context, kube kubernetes.Interface, ns string) (Latencies, error) {
	var lat Latencies
	timed := func(create func() error) error {
		start := time.Now()
		err := create()
		lat = append(lat, time.Since(start))
		return err
	}
	opts := metav1.CreateOptions{}
	labels := map[string]string{"landlord.dev/bench": "apiserver"}
	steps := []func() error{
		func() error {
			_, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: labels}}, opts)
			return err
		},
		func() error {
			_, err := kube.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: "editors", Labels: labels},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "edit"},
				Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "Group", Name: "landlord:tenant:" + ns + ":editor"}},
			}, opts)
			return err
		},
		func() error {
			_, err := kube.CoreV1().ResourceQuotas(ns).Create(ctx, &corev1.ResourceQuota{
				ObjectMeta: metav1.ObjectMeta{Name: "tenant", Labels: labels},
				Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
					corev1.ResourceRequestsCPU: resource.MustParse("4"), corev1.ResourceRequestsMemory: resource.MustParse("8Gi"),
					corev1.ResourceLimitsCPU: resource.MustParse("8"), corev1.ResourceLimitsMemory: resource.MustParse("16Gi"),
					corev1.ResourcePods: resource.MustParse("50"), corev1.ResourceServicesNodePorts: resource.MustParse("0"),
				}},
			}, opts)
			return err
		},
		func() error {
			_, err := kube.CoreV1().LimitRanges(ns).Create(ctx, &corev1.LimitRange{
				ObjectMeta: metav1.ObjectMeta{Name: "defaults", Labels: labels},
				Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
					Type:           corev1.LimitTypeContainer,
					Default:        corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("512Mi")},
					DefaultRequest: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
				}}},
			}, opts)
			return err
		},
		func() error {
			_, err := kube.NetworkingV1().NetworkPolicies(ns).Create(ctx, &networkingv1.NetworkPolicy{
				ObjectMeta: metav1.ObjectMeta{Name: "deny-other-tenants", Labels: labels},
				Spec: networkingv1.NetworkPolicySpec{
					PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
					Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{
						NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"landlord.dev/tenant": ns}},
					}}}},
				},
			}, opts)
			return err
		},
		func() error {
			udp, dns := corev1.ProtocolUDP, intstr.FromInt32(53)
			_, err := kube.NetworkingV1().NetworkPolicies(ns).Create(ctx, &networkingv1.NetworkPolicy{
				ObjectMeta: metav1.ObjectMeta{Name: "allow-dns", Labels: labels},
				Spec: networkingv1.NetworkPolicySpec{
					PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
					Egress:      []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{{Protocol: &udp, Port: &dns}}}},
				},
			}, opts)
			return err
		},
	}
	for _, step := range steps {
		if err := timed(step); err != nil {
			return lat, fmt.Errorf("tenant %s: %w", ns, err)
		}
	}
	return lat, nil
}
