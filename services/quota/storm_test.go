package quota_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
)

func mustQuantity(s string) resource.Quantity { return resource.MustParse(s) }

// The tenant-wide CPU budget holds under a storm of concurrent pod
// creates in all of its namespaces: the API server's own quota admission
// enforces each namespace's share, and the shares never add up to more
// than the budget. Then, with two namespaces emptied, headroom moves to
// the third until it holds nearly the whole budget.
func TestPodStormNeverExceedsTheTenantBudget(t *testing.T) {
	e := started(t)
	e.plan(t, "storm", 3, map[string]string{"requests.cpu": "4", "limits.cpu": "4", "pods": "200"})
	e.tenant(t, "storm", "storm", "a", "b", "c")
	kube := devclustertest.Admin(t)
	namespaces := []string{"storm-a", "storm-b", "storm-c"}

	const podMilli = 100
	var admitted atomic.Int64 // millicores of admitted pods, all namespaces
	var over atomic.Int64
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 6 {
		ns := namespaces[i%3]
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				_, err := kube.CoreV1().Pods(ns).Create(ctx, pod(fmt.Sprintf("p%d-%d", i, n), "100m"), metav1.CreateOptions{})
				switch {
				case err == nil:
					// Checked after every admission: the run's total so far.
					if total := admitted.Add(podMilli); total > 4000 {
						over.Store(max(over.Load(), total))
					}
				case refusedForQuota(err): // try again
				case ctx.Err() != nil:
				default:
					t.Errorf("create pod in %s: %v", ns, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if over.Load() > 0 {
		t.Fatalf("admitted pods asked for %dm CPU, above the tenant's 4000m", over.Load())
	}
	if got := requestedCPU(t, kube, namespaces...); got != admitted.Load() || got > 4000 {
		t.Fatalf("the cluster holds pods asking for %dm CPU; the storm counted %dm admitted; budget 4000m", got, admitted.Load())
	}
	t.Logf("storm: %d pods admitted, %dm CPU of 4000m", admitted.Load()/podMilli, admitted.Load())

	// Empty two namespaces: the third grows into their headroom.
	for _, ns := range namespaces[:2] {
		if err := kube.CoreV1().Pods(ns).DeleteCollection(context.Background(), metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	devclustertest.Eventually(t, 60*time.Second, func() error {
		for {
			_, err := kube.CoreV1().Pods("storm-c").Create(context.Background(), pod(fmt.Sprintf("grow-%d", n), "100m"), metav1.CreateOptions{})
			if err != nil {
				break
			}
			n++
		}
		if got := requestedCPU(t, kube, "storm-c"); got < 3500 {
			return fmt.Errorf("storm-c holds %dm CPU, want at least 3500m", got)
		}
		return nil
	})
	if got := requestedCPU(t, kube, namespaces...); got > 4000 {
		t.Fatalf("after rebalancing the tenant's pods ask for %dm CPU, above 4000m", got)
	}
}

// refusedForQuota: the API server's quota admission refused a create.
func refusedForQuota(err error) bool {
	return apierrors.IsForbidden(err) && strings.Contains(err.Error(), "exceeded quota")
}

// requestedCPU sums the CPU requests of the pods in namespaces.
func requestedCPU(t *testing.T, kube kubernetes.Interface, namespaces ...string) int64 {
	t.Helper()
	var sum int64
	for _, ns := range namespaces {
		pods, err := kube.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pods.Items {
			for _, c := range p.Spec.Containers {
				sum += c.Resources.Requests.Cpu().MilliValue()
			}
		}
	}
	return sum
}
