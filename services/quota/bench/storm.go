// Package bench measures the quota service (make bench-quota): a pod
// storm against a tenant's budget next to the same storm against plain
// per-namespace quotas, rebalancing end to end, and is shared with the
// acceptance tests that run the same storm.
package bench

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Pod is a Pod that passes the restricted Pod Security level and asks for
// milli millicores (and a little memory and ephemeral storage, set so that
// no LimitRange default applies); without kubelets it stays Pending, and
// quota counts it.
func Pod(name string, milli int64) *corev1.Pod {
	no, yes := false, true
	res := corev1.ResourceList{corev1.ResourceCPU: *resource.NewMilliQuantity(milli, resource.DecimalSI),
		corev1.ResourceMemory: resource.MustParse("16Mi"), corev1.ResourceEphemeralStorage: resource.MustParse("1Mi")}
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

// RefusedForQuota: the API server's quota admission refused a create.
func RefusedForQuota(err error) bool {
	return apierrors.IsForbidden(err) && strings.Contains(err.Error(), "exceeded quota")
}

// StormResult is what a storm admitted.
type StormResult struct {
	Admitted int
	// AdmittedMilli is the CPU the admitted pods ask for; MaxMilli the
	// highest running total, checked after every admission.
	AdmittedMilli, MaxMilli int64
	// Elapsed runs from the start to the last admission.
	Elapsed time.Duration
	Refused int
	// Conflicts are creates the API server's quota admission gave up on
	// because the quota changed under it (409); clients retry them.
	Conflicts int
}

// PerSecond is admitted pods per second.
func (r StormResult) PerSecond() float64 { return float64(r.Admitted) / r.Elapsed.Seconds() }

// Storm creates pods of podMilli CPU in namespaces, workers at once
// spread over them, as fast as the API server answers, until ctx ends. A
// create refused for quota, or that met a conflict on the quota, is tried
// again; any other error ends the storm.
func Storm(ctx context.Context, kube kubernetes.Interface, namespaces []string, workers int, podMilli int64) (StormResult, error) {
	var admitted, refused, conflicts, total, highest atomic.Int64
	var last atomic.Int64 // nanoseconds since start of the last admission
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		ns := namespaces[i%len(namespaces)]
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				_, err := kube.CoreV1().Pods(ns).Create(ctx, Pod(fmt.Sprintf("s%d-%d-%d", start.UnixNano()%1e6, i, n), podMilli), metav1.CreateOptions{})
				switch {
				case err == nil:
					admitted.Add(1)
					t := total.Add(podMilli)
					for h := highest.Load(); t > h && !highest.CompareAndSwap(h, t); h = highest.Load() {
					}
					last.Store(int64(time.Since(start)))
				case RefusedForQuota(err):
					refused.Add(1)
				case apierrors.IsConflict(err):
					conflicts.Add(1)
				case ctx.Err() != nil:
				default:
					errs <- fmt.Errorf("create pod in %s: %w", ns, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	r := StormResult{Admitted: int(admitted.Load()), AdmittedMilli: total.Load(), MaxMilli: highest.Load(),
		Elapsed: time.Duration(last.Load()), Refused: int(refused.Load()), Conflicts: int(conflicts.Load())}
	return r, <-errs
}

// RequestedMilli sums the CPU requests of the pods in namespaces.
func RequestedMilli(ctx context.Context, kube kubernetes.Interface, namespaces ...string) (int64, error) {
	var sum int64
	for _, ns := range namespaces {
		pods, err := kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return 0, err
		}
		for _, p := range pods.Items {
			for _, c := range p.Spec.Containers {
				sum += c.Resources.Requests.Cpu().MilliValue()
			}
		}
	}
	return sum, nil
}
