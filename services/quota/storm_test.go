package quota_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	"github.com/landlord-dev/landlord/services/quota/bench"
)

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

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := bench.Storm(ctx, kube, namespaces, 6, 100)
	if err != nil {
		t.Fatal(err)
	}
	if r.MaxMilli > 4000 {
		t.Fatalf("admitted pods asked for %dm CPU at one point, above the tenant's 4000m", r.MaxMilli)
	}
	if got := requestedCPU(t, kube, namespaces...); got != r.AdmittedMilli || got > 4000 {
		t.Fatalf("the cluster holds pods asking for %dm CPU; the storm counted %dm admitted; budget 4000m", got, r.AdmittedMilli)
	}
	t.Logf("storm: %d pods admitted (%dm CPU of 4000m), %d refused for quota, %d conflicts on the quota", r.Admitted, r.AdmittedMilli, r.Refused, r.Conflicts)

	// Empty two namespaces: the third grows into their headroom.
	for _, ns := range namespaces[:2] {
		if err := kube.CoreV1().Pods(ns).DeleteCollection(context.Background(), metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	devclustertest.Eventually(t, 60*time.Second, func() error {
		for {
			_, err := kube.CoreV1().Pods("storm-c").Create(context.Background(), bench.Pod(fmt.Sprintf("grow-%d", n), 100), metav1.CreateOptions{})
			if err != nil && !apierrors.IsConflict(err) {
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

// requestedCPU sums the CPU requests of the pods in namespaces.
func requestedCPU(t *testing.T, kube kubernetes.Interface, namespaces ...string) int64 {
	t.Helper()
	sum, err := bench.RequestedMilli(context.Background(), kube, namespaces...)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}
