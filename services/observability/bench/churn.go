package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// churnResult compares how fast observability's informers took in a
// storm of Deployment changes with how fast a plain watch received them.
type churnResult struct {
	Patches   int           // writes the API server accepted
	Window    time.Duration // how long the writers ran
	Events    int           // changes the baseline watch received (patches and the controller-manager's status writes)
	Watch     time.Duration // start to the baseline watch's last event
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

// replicaState is every seeded Deployment's replicas, by index (see
// deploymentAt): what the usage of each tenant must say after a churn.
type replicaState []int32

func initialReplicas(s Scale) replicaState {
	r := make(replicaState, s.Tenants*s.Namespaces*s.DeploymentsPerNS)
	for k := range r {
		r[k] = int32(k % s.DeploymentsPerNS % 2) // as seedTenant
	}
	return r
}

// deploymentAt is the namespace and name of the k-th seeded Deployment.
func deploymentAt(s Scale, k int) (ns, name string) {
	n := k / s.DeploymentsPerNS
	return v1alpha1.ClusterName(tenantName(n/s.Namespaces), nsLocal(n%s.Namespaces)), fmt.Sprintf("d%d", k%s.DeploymentsPerNS)
}

// churn flips the replicas (0 and 1) of the seeded Deployments, workers
// at once, each taking its own share in turn, for window. A plain watch
// in this process (the baseline) and observability's informers (through
// its event counter) see the same changes; each is timed until it has
// received all of them.
func churn(ctx context.Context, kube kubernetes.Interface, s *service, sc Scale, state replicaState, workers int, window time.Duration) (churnResult, error) {
	var r churnResult
	list, err := kube.AppsV1().Deployments("").List(ctx, metav1.ListOptions{LabelSelector: seedLabel, Limit: 1})
	if err != nil {
		return r, err
	}
	w, err := kube.AppsV1().Deployments("").Watch(ctx, metav1.ListOptions{LabelSelector: seedLabel, ResourceVersion: list.ResourceVersion})
	if err != nil {
		return r, err
	}
	defer w.Stop()
	before, err := s.events(ctx, "Deployment")
	if err != nil {
		return r, err
	}
	var received atomic.Int64
	var last atomic.Int64 // nanoseconds from start to the last event
	start := time.Now()
	go func() {
		for ev := range w.ResultChan() {
			if ev.Type == watch.Modified {
				received.Add(1)
				last.Store(int64(time.Since(start)))
			}
		}
	}()
	// Observability's count, polled all along: when it reached a total is
	// known to within a poll.
	pctx, stopPolls := context.WithCancel(ctx)
	defer stopPolls()
	polls := &readings{}
	go polls.run(pctx, s, before, start)

	var patches atomic.Int64
	wctx, cancel := context.WithTimeout(ctx, window)
	defer cancel()
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			for k := i; wctx.Err() == nil; k += workers {
				k %= len(state)
				ns, name := deploymentAt(sc, k)
				patch := fmt.Appendf(nil, `{"spec":{"replicas":%d}}`, 1-state[k])
				if _, err := kube.AppsV1().Deployments(ns).Patch(wctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
					if wctx.Err() == nil {
						errs <- fmt.Errorf("patch %s/%s: %w", ns, name, err)
					}
					return
				}
				state[k] = 1 - state[k]
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
	// The watch has everything once it has been quiet for a second (the
	// controller-manager's status writes trail the patches).
	for n := received.Load(); ; n = received.Load() {
		time.Sleep(time.Second)
		if received.Load() == n && int(n) >= r.Patches {
			break
		}
		if time.Since(start) > window+2*time.Minute {
			return r, fmt.Errorf("the baseline watch received %d changes for %d patches", n, r.Patches)
		}
	}
	r.Events, r.Watch = int(received.Load()), time.Duration(last.Load())
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

// pollInterval bounds how precisely the time observability reached a
// count is known; each poll is a /metrics scrape, which costs it a little.
const pollInterval = 100 * time.Millisecond

// readings are observability's Deployment event counts (since a start
// value), each with its time since the churn started.
type readings struct {
	mu     sync.Mutex
	counts []int
	at     []time.Duration
	err    error
}

// run reads the count every pollInterval until ctx ends or a read fails.
func (r *readings) run(ctx context.Context, s *service, before float64, start time.Time) {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for ; ctx.Err() == nil; <-t.C {
		n, err := s.events(ctx, "Deployment")
		r.mu.Lock()
		r.counts, r.at, r.err = append(r.counts, int(n-before)), append(r.at, time.Since(start)), err
		r.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// reached is when the count first reached n (0 if not yet) and the
// latest count.
func (r *readings) reached(n int) (time.Duration, int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.counts) == 0 {
		return 0, 0, r.err
	}
	for i, c := range r.counts {
		if c >= n {
			return r.at[i], c, nil
		}
	}
	return 0, r.counts[len(r.counts)-1], r.err
}
