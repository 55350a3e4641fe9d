package bench

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// Scale is how much a seed creates: per tenant, Namespaces namespaces,
// each with DeploymentsPerNS Deployments and PodsPerNS pods.
type Scale struct {
	Tenants, Namespaces, DeploymentsPerNS, PodsPerNS int
}

// seedLabel marks every seeded Deployment, for the baseline watch.
const seedLabel = "landlord.dev/bench"

// Pod requests of every seeded pod: what usage must add up.
const podMilli, podMemory = 100, "64Mi"

func tenantName(i int) string { return fmt.Sprintf("bo-%04d", i) }

func nsLocal(j int) string { return fmt.Sprintf("n%d", j) }

// seed creates s's objects as the cluster admin, workers at once: Tenants
// and their namespaces, labelled and owned as the operator makes them (the
// tenant labels and the Tenant as controller, by UID: what observability
// checks), then paused Deployments (the controller-manager makes no
// ReplicaSets for them, so they cost one status write each) and pods that
// stay Pending (no kubelets). Pods come last: their admission needs the
// namespace's default ServiceAccount, which the controller-manager adds.
func seed(ctx context.Context, kube kubernetes.Interface, c client.Client, s Scale, workers int) error {
	if err := parallel(ctx, s.Tenants, workers, func(i int) error { return seedTenant(ctx, kube, c, s, i) }); err != nil {
		return err
	}
	return parallel(ctx, s.Tenants*s.Namespaces, workers, func(k int) error {
		ns := v1alpha1.ClusterName(tenantName(k/s.Namespaces), nsLocal(k%s.Namespaces))
		for p := range s.PodsPerNS {
			if err := createPod(ctx, kube, ns, fmt.Sprintf("p%d", p)); err != nil {
				return err
			}
		}
		return nil
	})
}

// seedTenant creates tenant i, its namespaces and their Deployments.
func seedTenant(ctx context.Context, kube kubernetes.Interface, c client.Client, s Scale, i int) error {
	t := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: tenantName(i)}, Spec: v1alpha1.TenantSpec{Plan: "standard"}}
	for j := range s.Namespaces {
		t.Spec.Namespaces = append(t.Spec.Namespaces, v1alpha1.TenantNamespace{Name: nsLocal(j)})
	}
	if err := c.Create(ctx, t); err != nil {
		return fmt.Errorf("tenant %s: %w", t.Name, err)
	}
	for _, n := range t.Spec.Namespaces {
		name := v1alpha1.ClusterName(t.Name, n.Name)
		if _, err := kube.CoreV1().Namespaces().Create(ctx, namespace(t, n.Name), metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("namespace %s: %w", name, err)
		}
		for d := range s.DeploymentsPerNS {
			// Odd-numbered ones at 1 replica: paused, so none runs pods.
			if _, err := kube.AppsV1().Deployments(name).Create(ctx, deployment(fmt.Sprintf("d%d", d), int32(d%2)), metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("deployment %s/d%d: %w", name, d, err)
			}
		}
	}
	return nil
}

// namespace is tenant namespace local of t as the operator renders it:
// its labels (render.Labels), Pod Security restricted, and t as its
// controlling owner.
func namespace(t *v1alpha1.Tenant, local string) *corev1.Namespace {
	level := string(v1alpha1.PodSecurityRestricted)
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: v1alpha1.ClusterName(t.Name, local),
		Labels: map[string]string{
			v1alpha1.LabelTenant: t.Name, v1alpha1.LabelNamespace: local, v1alpha1.LabelManagedBy: v1alpha1.ManagedBy,
			"pod-security.kubernetes.io/enforce": level, "pod-security.kubernetes.io/enforce-version": "latest",
		},
		OwnerReferences: []metav1.OwnerReference{{APIVersion: v1alpha1.GroupVersion.String(), Kind: "Tenant",
			Name: t.Name, UID: t.UID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}},
	}}
}

func deployment(name string, replicas int32) *appsv1.Deployment {
	sel := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{seedLabel: "observability"}},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To(replicas), Paused: true, Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: sel}, Spec: podSpec()}},
	}
}

// createPod creates a pod, retrying while its namespace's default
// ServiceAccount is not there yet.
func createPod(ctx context.Context, kube kubernetes.Interface, ns, name string) error {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: podSpec()}
	for deadline := time.Now().Add(time.Minute); ; {
		_, err := kube.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
		if err == nil || !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "service account") || time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("pod %s/%s: %w", ns, name, err)
			}
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// podSpec passes Pod Security restricted and requests podMilli CPU and
// podMemory; with no kubelets it stays Pending.
func podSpec() corev1.PodSpec {
	res := corev1.ResourceList{corev1.ResourceCPU: *resource.NewMilliQuantity(podMilli, resource.DecimalSI),
		corev1.ResourceMemory: resource.MustParse(podMemory)}
	return corev1.PodSpec{
		AutomountServiceAccountToken: ptr.To(false),
		SecurityContext:              &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true), SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
		Containers: []corev1.Container{{
			Name: "c", Image: "registry.invalid/pause:1",
			Resources:       corev1.ResourceRequirements{Requests: res, Limits: res},
			SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(false), Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}},
		}},
	}
}

// parallel runs do(0..n-1) from workers goroutines; the first error stops
// the rest.
func parallel(ctx context.Context, n, workers int, do func(int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				if err := do(i); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	return context.Cause(ctx)
}
