package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/bench"
	"github.com/landlord-dev/landlord/services/internal/devclusterproc"
	"github.com/landlord-dev/landlord/services/stacktest"
)

// Options configure Run.
type Options struct {
	Kubeconfig string // the dev cluster's admin
	Env        *devclusterproc.Env
	BinDir     string // prebuilt quota and provisioning binaries
	// Rounds of each storm, alternating plain and Landlord; Window bounds
	// each; Samples is the number of rebalances timed.
	Rounds  int
	Window  time.Duration
	Samples int
}

// stormBudget is the acceptance storm's: 4 CPU over 3 namespaces.
const stormBudget, stormPodMilli, stormWorkers = 4000, 10, 6

// Run is make bench-quota's cluster part: the storm against a tenant's
// budget and against plain per-namespace quotas of the same total, then
// rebalancing end to end.
func Run(ctx context.Context, out io.Writer, o Options) (err error) {
	s, err := stacktest.Start(o.Kubeconfig, o.Env, os.TempDir(), stacktest.Options{BinDir: o.BinDir})
	if err != nil {
		return err
	}
	defer func() { s.Close(err != nil) }()
	cfg, err := clientcmd.BuildConfigFromFlags("", o.Kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = -1, 0 // measure the API server, not client-go's limiter
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	quotaConn, err := s.Dial(s.Quota.Addr())
	if err != nil {
		return err
	}
	provConn, err := s.Dial(s.Provisioning.Addr())
	if err != nil {
		return err
	}
	plans, tenants := quotav1.NewPlanServiceClient(quotaConn), provisioningv1.NewTenantServiceClient(provConn)

	if _, err := CreatePlan(s.Admin, plans, "bench-storm", 3, stormPlan("4")); err != nil {
		return err
	}
	if err := CreateTenant(s.Admin, tenants, "bench-storm", "bench-storm", "a", "b", "c"); err != nil {
		return err
	}
	landlord := []string{"bench-storm-a", "bench-storm-b", "bench-storm-c"}
	plain := []string{"plain-storm-a", "plain-storm-b", "plain-storm-c"}
	if err := plainNamespaces(ctx, kube, plain, stormBudget); err != nil {
		return err
	}
	var sums [2]StormResult
	for round := range 2 * o.Rounds {
		which, namespaces := round%2, plain
		if which == 1 {
			namespaces = landlord
		}
		if err := empty(ctx, kube, namespaces); err != nil {
			return err
		}
		sctx, cancel := context.WithTimeout(ctx, o.Window)
		r, err := Storm(sctx, kube, namespaces, stormWorkers, stormPodMilli)
		cancel()
		if err != nil {
			return err
		}
		sums[which].Admitted += r.Admitted
		sums[which].Elapsed += r.Elapsed
		sums[which].MaxMilli = max(sums[which].MaxMilli, r.MaxMilli)
		sums[which].Conflicts += r.Conflicts
	}
	fmt.Fprintf(out, "bench-quota: pod storm, %d workers, pods of %dm CPU, budget %dm over 3 namespaces, %d rounds of %s each\n",
		stormWorkers, stormPodMilli, stormBudget, o.Rounds, o.Window)
	for i, name := range []string{"plain quotas (baseline)", "Landlord tenant budget"} {
		r := sums[i]
		bench.Row(out, name, fmt.Sprintf("%d pods in %.2f s: %.0f pods/s, peak %dm CPU admitted, overshoot %dm, %d quota conflicts",
			r.Admitted, r.Elapsed.Seconds(), r.PerSecond(), r.MaxMilli, max(0, r.MaxMilli-stormBudget), r.Conflicts))
	}
	bench.Row(out, "admitted pods/s vs plain (goal ≥ 0.8)", fmt.Sprintf("%.2fx", sums[1].PerSecond()/sums[0].PerSecond()))
	open, err := openStorms(ctx, s, kube, plans, tenants, o)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "bench-quota: the same storm with a budget it never reaches: what a tenant namespace's admission costs besides quota")
	bench.Row(out, "plain namespaces (baseline)", fmt.Sprintf("%.0f pods/s", open[0].PerSecond()))
	bench.Row(out, "Landlord tenant namespaces", fmt.Sprintf("%.0f pods/s", open[1].PerSecond()))
	bench.Row(out, "ratio", fmt.Sprintf("%.2fx", open[1].PerSecond()/open[0].PerSecond()))
	// What the budget itself costs: each side's storm against its own
	// never-reached run, then Landlord's against plain's.
	bench.Row(out, "budget storm vs the same namespaces unbounded, Landlord vs plain",
		fmt.Sprintf("%.2fx", (sums[1].PerSecond()/open[1].PerSecond())/(sums[0].PerSecond()/open[0].PerSecond())))

	lat, err := rebalances(ctx, s, kube, plans, tenants, o.Samples)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "bench-quota: rebalance end to end, refused create (FailedCreate event) to the new hard limit in the cluster, %d samples\n", len(lat))
	bench.Row(out, "p50", bench.Ms(lat.Quantile(0.5)))
	bench.Row(out, "p99 (goal < 1 s)", bench.Ms(lat.Quantile(0.99)))
	return nil
}

// openStorms runs the storm against a tenant and plain namespaces whose
// budgets it never reaches: no namespace runs out, nothing moves, and the
// ratio is what the tenant namespaces' own admission (Pod Security, the
// LimitRange, Landlord's admission policies) costs.
func openStorms(ctx context.Context, s *stacktest.Stack, kube kubernetes.Interface, plans quotav1.PlanServiceClient, tenants provisioningv1.TenantServiceClient, o Options) ([2]StormResult, error) {
	var out [2]StormResult
	if _, err := CreatePlan(s.Admin, plans, "bench-open", 3, stormPlan("1000")); err != nil {
		return out, err
	}
	if err := CreateTenant(s.Admin, tenants, "bench-open", "bench-open", "a", "b", "c"); err != nil {
		return out, err
	}
	sides := [2][]string{{"plain-open-a", "plain-open-b", "plain-open-c"}, {"bench-open-a", "bench-open-b", "bench-open-c"}}
	if err := plainNamespaces(ctx, kube, sides[0], 1000*stormBudget); err != nil {
		return out, err
	}
	for round := range 2 * o.Rounds {
		sctx, cancel := context.WithTimeout(ctx, o.Window/2)
		r, err := Storm(sctx, kube, sides[round%2], stormWorkers, stormPodMilli)
		cancel()
		if err != nil {
			return out, err
		}
		out[round%2].Admitted += r.Admitted
		out[round%2].Elapsed += r.Elapsed
	}
	return out, nil
}

// rebalances restarts the quota service so that only refusals move
// headroom (no growing ahead of use), fills one namespace of a tenant
// whose other namespace is idle, and times each refusal's rebalance.
func rebalances(ctx context.Context, s *stacktest.Stack, kube kubernetes.Interface, plans quotav1.PlanServiceClient, tenants provisioningv1.TenantServiceClient, samples int) (bench.Latencies, error) {
	if err := s.Quota.Stop(); err != nil {
		return nil, err
	}
	s.Quota.Args = append(s.Quota.Args, "--grow-at", "0")
	if err := s.Quota.Start(); err != nil {
		return nil, err
	}
	if err := s.WaitServing(s.Quota.Addr()); err != nil {
		return nil, err
	}
	if _, err := CreatePlan(s.Admin, plans, "bench-rebalance", 2, stormPlan("8")); err != nil {
		return nil, err
	}
	if err := CreateTenant(s.Admin, tenants, "bench-rebalance", "bench-rebalance", "a", "b"); err != nil {
		return nil, err
	}
	const ns = "bench-rebalance-a"
	if _, err := Fill(ctx, kube, ns, 100); err != nil {
		return nil, err
	}
	var lat bench.Latencies
	for i := range samples {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		took, err := Rebalance(sctx, kube, ns, fmt.Sprintf("rs-%d", i), 100)
		cancel()
		if err != nil {
			return lat, err
		}
		lat = append(lat, took)
	}
	return lat, nil
}

// stormPlan is a budget of cpu where CPU is the only limit a storm meets:
// everything else its pods ask for is plentiful.
func stormPlan(cpu string) map[string]string {
	return map[string]string{"requests.cpu": cpu, "limits.cpu": cpu, "pods": "3000",
		"requests.memory": "100Gi", "limits.memory": "100Gi", "requests.ephemeral-storage": "100Gi", "limits.ephemeral-storage": "100Gi"}
}

// plainNamespaces are the baseline: namespaces with plain quotas that
// split a budget of milli CPU evenly.
func plainNamespaces(ctx context.Context, kube kubernetes.Interface, names []string, milli int64) error {
	share := *resource.NewMilliQuantity(milli/int64(len(names)), resource.DecimalSI)
	for _, name := range names {
		if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			return err
		}
		rq := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "plain"}, Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
			corev1.ResourceRequestsCPU: share, corev1.ResourceLimitsCPU: share, corev1.ResourcePods: resource.MustParse("100000")}}}
		if _, err := kube.CoreV1().ResourceQuotas(name).Create(ctx, rq, metav1.CreateOptions{}); err != nil {
			return err
		}
	}
	return nil
}

// podsCounted is the pods the quotas that count pods say are used, or -1
// while one of them is not synced yet.
func podsCounted(quotas []corev1.ResourceQuota) int64 {
	n, counting := int64(0), false
	for _, rq := range quotas {
		if _, ok := rq.Spec.Hard[corev1.ResourcePods]; !ok {
			continue
		}
		if len(rq.Status.Hard) == 0 {
			return -1
		}
		used := rq.Status.Used[corev1.ResourcePods]
		n, counting = n+used.Value(), true
	}
	if !counting {
		return -1
	}
	return n
}

// empty deletes every pod in namespaces and waits until their quotas show
// none used.
func empty(ctx context.Context, kube kubernetes.Interface, namespaces []string) error {
	for _, ns := range namespaces {
		if err := kube.CoreV1().Pods(ns).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, ns := range namespaces {
		for {
			list, err := kube.CoreV1().ResourceQuotas(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return err
			}
			if podsCounted(list.Items) == 0 {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s: quota still counts pods 60 s after they were deleted", ns)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}
