package quota_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/quota/bench"
)

// kill -9 of the quota service while headroom moves between namespaces,
// again and again: the quotas in the cluster never sum to more than the
// budget, at any sampled instant, and after the restarts the ledger and
// the cluster agree.
func TestKill9DuringRebalancingNeverOversells(t *testing.T) {
	e := started(t)
	e.plan(t, "crash", 3, map[string]string{"requests.cpu": "3", "limits.cpu": "3", "pods": "200"})
	e.tenant(t, "crash", "crash", "a", "b", "c")
	kube := devclustertest.Admin(t)
	namespaces := []string{"crash-a", "crash-b", "crash-c"}

	budget := resource.MustParse("3")
	var worst atomic.Value
	worst.Store(resource.Quantity{})
	stop := make(chan struct{})
	var monitor sync.WaitGroup
	monitor.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			spec, status := quotaSums(t, kube, "crash")
			for _, sum := range []resource.Quantity{spec, status} {
				if w := worst.Load().(resource.Quantity); sum.Cmp(w) > 0 {
					worst.Store(sum)
				}
			}
		}
	})

	const rounds = 6
	midMove := 0
	for round := range rounds {
		ns := namespaces[round%3]
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
		var fill sync.WaitGroup
		fill.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				_, err := kube.CoreV1().Pods(ns).Create(ctx, bench.Pod(fmt.Sprintf("r%d-%d", round, n), 100), metav1.CreateOptions{})
				// A conflict on the quota is a retry, as clients do.
				if err != nil && !bench.RefusedForQuota(err) && !apierrors.IsConflict(err) && ctx.Err() == nil {
					t.Errorf("create pod in %s: %v", ns, err)
					return
				}
				if err != nil {
					time.Sleep(20 * time.Millisecond) // wait for headroom to move
				}
			}
		})
		// Even rounds make sure the kill lands between a move's phases:
		// provisioning is paused, so the donor's shrink cannot land and the
		// move stays open until the kill. Odd rounds kill at a random point.
		paused := round%2 == 0
		if paused {
			if err := e.Provisioning.Pause(); err != nil {
				t.Fatal(err)
			}
		}
		deadline := time.Now().Add(time.Duration(500+rand.IntN(1500)) * time.Millisecond)
		if paused {
			deadline = time.Now().Add(5 * time.Second)
		}
		for time.Now().Before(deadline) {
			q, err := e.quotas.GetTenantQuota(e.Admin, &quotav1.GetTenantQuotaRequest{Tenant: "crash"})
			if err == nil && len(q.GetQuota().GetMoves()) > 0 {
				midMove++
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		e.Quota.Kill()
		if paused {
			if err := e.Provisioning.Resume(); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(100 * time.Millisecond)
		if err := e.Quota.Start(); err != nil {
			t.Fatal(err)
		}
		fill.Wait()
		cancel()
		// Empty it again, so the next round moves headroom elsewhere.
		if err := kube.CoreV1().Pods(ns).DeleteCollection(context.Background(), metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	monitor.Wait()
	t.Logf("%d of %d kills came with a move open", midMove, rounds)
	if midMove < rounds/2 {
		t.Errorf("only %d kills came in the middle of a move: the test did not test what it says", midMove)
	}
	if w := worst.Load().(resource.Quantity); w.Cmp(budget) > 0 {
		t.Errorf("the tenant's quotas summed to %s CPU at some instant, above its budget of 3", w.String())
	}
	// Settled: no move open, every decision in the cluster, and the
	// ledger's hard limits are the cluster's.
	devclustertest.Eventually(t, 30*time.Second, func() error {
		q, err := e.quotas.GetTenantQuota(e.Admin, &quotav1.GetTenantQuotaRequest{Tenant: "crash"})
		if err != nil {
			return err
		}
		if len(q.GetQuota().GetMoves()) > 0 {
			return fmt.Errorf("moves still open: %v", q.GetQuota().GetMoves())
		}
		for _, a := range q.GetQuota().GetNamespaces() {
			for r, want := range a.GetHard() {
				rq, err := kube.CoreV1().ResourceQuotas(a.GetName()).Get(context.Background(), v1alpha1.QuotaNameFor(r), metav1.GetOptions{})
				if err != nil {
					return err
				}
				got := rq.Spec.Hard[corev1.ResourceName(r)]
				if got.Cmp(resource.MustParse(want)) != 0 || !a.GetApplied() {
					return fmt.Errorf("%s: ledger says %s=%s (applied %v), the cluster %s", a.GetName(), r, want, a.GetApplied(), got.String())
				}
			}
		}
		return nil
	})
	if spec, _ := quotaSums(t, kube, "crash"); spec.Cmp(budget) > 0 {
		t.Errorf("settled quotas sum to %s CPU, above 3", spec.String())
	}
	if got := requestedCPU(t, kube, namespaces...); got > 3000 {
		t.Errorf("the tenant's pods ask for %dm CPU, above 3000m", got)
	}
}

// quotaSums sums requests.cpu over a tenant's quotas, in spec and status.
func quotaSums(t *testing.T, kube kubernetes.Interface, tenant string) (spec, status resource.Quantity) {
	list, err := kube.CoreV1().ResourceQuotas("").List(context.Background(), metav1.ListOptions{LabelSelector: "landlord.dev/tenant=" + tenant})
	if err != nil {
		t.Error(err)
		return
	}
	for _, rq := range list.Items {
		spec.Add(rq.Spec.Hard[corev1.ResourceRequestsCPU])
		status.Add(rq.Status.Hard[corev1.ResourceRequestsCPU])
	}
	return spec, status
}
