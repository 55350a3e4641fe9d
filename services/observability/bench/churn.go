package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// churnResult compares how fast observability's informers took in a
// storm of Deployment changes with how fast a plain watch received them.
type churnResult struct {
	Patches   int           // writes the API server accepted
	Window    time.Duration // how long the writers ran
	Events    int           // changes up to the last patch: the patches and others' writes between them
	Watch     time.Duration // start to the baseline watch receiving the last patch
	Collected time.Duration // start to observability's count reaching Events
	CaughtUp  bool          // false if observability never got there
	ObsEvents int           // what it got, if not
}

// WatchPS is the API server's watch throughput: changes per second a
// plain client-go watch received.
func (r churnResult) WatchPS() float64 { return float64(r.Events) / r.Watch.Seconds() }

// CollectPS is the changes per second observability applied to its
// caches over the same storm.
func (r churnResult) CollectPS() float64 { return float64(r.Events) / r.Collected.Seconds() }

// churnAnnotation is what each patch changes: an annotation, not the
// replicas, so that the controller-manager (whose writes are rate limited
// to 20/s) adds no status write of its own to each change.
const churnAnnotation = "landlord.dev/bench-churn"

// deploymentAt is the namespace and name of the k-th seeded Deployment.
func deploymentAt(s Scale, k int) (ns, name string) {
	n := k / s.DeploymentsPerNS
	return v1alpha1.ClusterName(tenantName(n/s.Namespaces), nsLocal(n%s.Namespaces)), fmt.Sprintf("d%d", k%s.DeploymentsPerNS)
}

// churn patches an annotation of the seeded Deployments, workers at once,
// each taking its own share in turn, for window. A plain watch of every
// Deployment in this process (the baseline) and observability's informers
// (through its event counter) see the same stream of changes in the same
// order; each is timed until it has received the stream up to the last
// patch.
func churn(ctx context.Context, kube kubernetes.Interface, s *service, sc Scale, workers int, window time.Duration) (churnResult, error) {
	var r churnResult
	list, err := kube.AppsV1().Deployments("").List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return r, err
	}
	w, err := kube.AppsV1().Deployments("").Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		return r, err
	}
	defer w.Stop()
	before, err := s.events(ctx, "Deployment")
	if err != nil {
		return r, err
	}
	start := time.Now()
	base := &baseline{last: map[string]string{}}
	go base.run(w, start)
	// Observability's count, polled all along: when it reached a total is
	// known to within a poll.
	pctx, stopPolls := context.WithCancel(ctx)
	defer stopPolls()
	polls := &readings{}
	go polls.run(pctx, s, before, start)

	var patches atomic.Int64
	total := sc.Tenants * sc.Namespaces * sc.DeploymentsPerNS
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			for k, n := i, 0; time.Since(start) < window; k, n = (k+workers)%total, n+1 {
				ns, name := deploymentAt(sc, k)
				patch := fmt.Appendf(nil, `{"metadata":{"annotations":{%q:"%d-%d"}}}`, churnAnnotation, i, n)
				if _, err := kube.AppsV1().Deployments(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
					errs <- fmt.Errorf("patch %s/%s: %w", ns, name, err)
					return
				}
				patches.Add(1)
			}
		})
	}
	wg.Wait()
	r.Window, r.Patches = time.Since(start), int(patches.Load())
	close(errs)
	if err := <-errs; err != nil {
		return r, err
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(pollInterval) {
		m, ok := base.patchSeen(r.Patches)
		if ok {
			r.Events, r.Watch = m.total, m.at
			break
		}
		if time.Now().After(deadline) {
			return r, fmt.Errorf("the baseline watch saw %d of %d patches a minute after the churn", base.patches(), r.Patches)
		}
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(pollInterval) {
		at, got, err := polls.reached(r.Events)
		if err != nil {
			return r, err
		}
		r.ObsEvents = got
		if at > 0 {
			r.Collected, r.CaughtUp = at, true
			break
		}
	}
	return r, nil
}
