// Package bench holds provisioning's benchmark (bench-provisioning, run
// through landlord-bench): tenants created through the TenantService until
// Active, against raw client-go creates in the same run, then a restart's
// resync time, writes and memory. The raw baseline is built from the
// operator's own renderer, finalizer and field manager, so that it creates
// exactly the objects the operator does and cannot drift from them; that
// is why it lives beside the service, whose renderer is internal to it.
// What every benchmark shares is in services/internal/bench.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	shared "github.com/landlord-dev/landlord/services/internal/bench"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/crds"
)

// Metrics the restart phase reads from the operator's /metrics.
const (
	writesMetric     = "landlord_provisioning_kube_writes_total"
	reconcilesMetric = "controller_runtime_reconcile_total"
	depthMetric      = "workqueue_depth"
	workersMetric    = "controller_runtime_active_workers"
)

// Options are what Run measures and how much.
type Options struct {
	// Kube is the dev cluster's admin; Kubeconfig is its file, which the
	// operator is started with.
	Kube        *rest.Config
	Kubeconfig  string
	OperatorBin string
	// QuotaAddr is the quota service the operator takes plans and quotas
	// from (its --quota-addr); the bench's tenants are on the plans of
	// planstest, which that service must offer.
	QuotaAddr string
	// Login starts what issues the bench's token and returns a platform
	// admin's access token and how to stop it. Run calls it once the raw
	// phases are done, right before it starts the operator.
	Login func(ctx context.Context) (token string, stop func(), err error)
	// Tenants are created at once; with RestartTenants (more) Active the
	// operator restarts; Workers are the concurrent clients.
	Tenants, RestartTenants, Workers int
}

// Run measures the Tenant operator in two phases.
//
// Throughput: o.Tenants Tenants (one namespace each) created at once,
// timed until every one is Active, against raw client-go creates at the
// same concurrency in the same run: of the objects the operator's renderer
// makes for a tenant (the goal's baseline), of bench-apiserver's 6
// (earlier runs' baseline), and of the operator's objects plus the
// Tenant's own create and status write (the floor of the operator's path:
// its ratio is the operator's own overhead). Before the raw creates of the
// operator's objects, the bench applies the operator's cluster-wide
// objects (admission policies, priority levels), so that both meet the
// same API server. The tenants are created through the TenantService API
// with a platform admin's token from o.Login; CPU per tenant is shown by
// process.
//
// Restart: with o.RestartTenants tenants Active, the operator is stopped
// (SIGTERM) and started again; the resync is done when it has reconciled
// at least that many times with an empty work queue and no reconcile
// running. It reports how long that took from process start, how many
// writes the resync made (the goal is none) and the operator's resident
// memory.
func Run(ctx context.Context, w io.Writer, o Options) error {
	cfg, n, restartN, workers := o.Kube, o.Tenants, o.RestartTenants, o.Workers
	raw6, err := shared.APIServer(ctx, cfg, "raw", n, workers)
	if err != nil {
		return err
	}
	objects, err := operatorObjectsPerTenant()
	if err != nil {
		return err
	}
	scheme := runtime.NewScheme()
	if err := errors.Join(clientgoscheme.AddToScheme(scheme), v1alpha1.AddToScheme(scheme)); err != nil {
		return err
	}
	c, err := client.NewWithWatch(rest.CopyConfig(cfg), client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	if err := InstallClusterWide(ctx, cfg); err != nil {
		return err
	}
	same, err := createOperatorObjects(c, "same", n)
	if err != nil {
		return err
	}
	cpuRaw := shared.CPUSnapshot(nil)
	raw, err := shared.RawCreates(ctx, cfg, "same", n, workers, objects, same)
	if err != nil {
		return err
	}
	rawCPU := shared.PerTenant(cpuRaw, shared.CPUSnapshot(nil), n)
	if err := crds.Install(ctx, c); err != nil {
		return err
	}
	writes, err := createOperatorObjects(c, "writes", n)
	if err != nil {
		return err
	}
	rawT, err := shared.RawCreates(ctx, cfg, "writes", n, workers, objects+2, tenantWrites(c, writes))
	if err != nil {
		return err
	}
	if err := removeTenants(ctx, c, "writes", n); err != nil {
		return err
	}
	token, stopLogin, err := o.Login(ctx)
	if err != nil {
		return err
	}
	defer stopLogin()
	op, err := startOperator(ctx, o.OperatorBin, o.Kubeconfig, o.QuotaAddr)
	if err != nil {
		return err
	}
	defer func() {
		if op != nil { // nil if the restart failed to start it
			_ = op.Stop()
		}
	}()
	api, err := dialTenantAPI(o.Kubeconfig, op.grpcAddr, token)
	if err != nil {
		return err
	}
	defer api.close()
	active := watchActive(ctx, c)
	defer active.close()

	named := map[int]string{op.Pid(): "operator"}
	cpuOp := shared.CPUSnapshot(named)
	start := time.Now()
	created, err := api.create(ctx, 0, n, workers)
	if err != nil {
		return err
	}
	activeAt, err := active.wait(ctx, n, 10*time.Minute)
	if err != nil {
		return fmt.Errorf("%w (operator log: %s)", err, op.Log.Name())
	}
	elapsed := time.Since(start)
	opCPU := shared.PerTenant(cpuOp, shared.CPUSnapshot(named), n)
	var toActive shared.Latencies
	for name, at := range activeAt {
		toActive = append(toActive, at.Sub(created[name]))
	}
	opTPS := float64(n) / elapsed.Seconds()
	fmt.Fprintf(w, "bench-provisioning: %d tenants (1 namespace, %d objects each) created through TenantService, %d client workers\n", n, objects, workers)
	shared.Row(w, fmt.Sprintf("raw client-go, the same %d objects", objects), fmt.Sprintf("%.1f tenants/s  (namespace, then the rest at once)", raw.TenantsPS))
	shared.Row(w, "raw client-go, 6 objects", fmt.Sprintf("%.1f tenants/s  (bench-apiserver's set, one by one)", raw6.TenantsPS))
	shared.Row(w, "raw client-go, the same writes", fmt.Sprintf("%.1f tenants/s  (+ the Tenant's create and one status write)", rawT.TenantsPS))
	shared.Row(w, "TenantService, create to Active", fmt.Sprintf("%.1f tenants/s in %s", opTPS, elapsed.Round(time.Millisecond)))
	shared.Row(w, "operator / raw (same objects)", fmt.Sprintf("%.2f  (goal >= 0.6)", opTPS/raw.TenantsPS))
	shared.Row(w, "operator / raw (6 objects)", fmt.Sprintf("%.2f", opTPS/raw6.TenantsPS))
	shared.Row(w, "operator / raw (same writes)", fmt.Sprintf("%.2f  (the operator's own overhead)", opTPS/rawT.TenantsPS))
	shared.Row(w, "create to Active p50 / p99", shared.Ms(toActive.Quantile(0.5))+" / "+shared.Ms(toActive.Quantile(0.99)))
	shared.Row(w, "CPU per tenant, raw (same objects)", rawCPU)
	shared.Row(w, "CPU per tenant, operator", opCPU)
	scrape, err := op.metrics(ctx)
	if err != nil {
		shared.Row(w, "operator writes per tenant", err.Error())
		return nil // nothing to measure a restart with
	}
	shared.Row(w, "operator writes per tenant", fmt.Sprintf("%.1f  (%s)", scrape.Sum(writesMetric)/float64(n), scrape.Breakdown(writesMetric)))
	shared.Row(w, "operator reconciles per tenant", fmt.Sprintf("%.1f", scrape.Sum(reconcilesMetric, `controller="tenant"`)/float64(n)))
	if restartN <= n {
		return nil
	}
	if _, err := api.create(ctx, n, restartN, workers); err != nil {
		return err
	}
	if _, err := active.wait(ctx, restartN, 10*time.Minute); err != nil {
		return fmt.Errorf("%w (operator log: %s)", err, op.Log.Name())
	}
	if err := op.Stop(); err != nil {
		return err
	}
	fmt.Fprintf(w, " restart with %d Active tenants (SIGTERM, start again):\n", restartN)
	if op, err = startOperator(ctx, o.OperatorBin, o.Kubeconfig, o.QuotaAddr); err != nil {
		return err
	}
	resync, scrape, err := waitResync(ctx, op, restartN, 5*time.Minute)
	if err != nil {
		return err
	}
	rss, err := op.RSS()
	if err != nil {
		return err
	}
	shared.Row(w, "process start to resync done", fmt.Sprintf("%s  (%.0f reconciles)", resync.Round(time.Millisecond), scrape.Sum(reconcilesMetric, `controller="tenant"`)))
	shared.Row(w, "writes during resync", fmt.Sprintf("%.0f  (goal 0)  %s", scrape.Sum(writesMetric), scrape.Breakdown(writesMetric)))
	shared.Row(w, "operator RSS", fmt.Sprintf("%.0f MiB at %d tenants", float64(rss)/(1<<20), restartN))
	shared.Row(w, "operator log", op.Log.Name())
	return nil
}

// waitResync polls the operator's metrics until it has reconciled at least
// n tenants and its queue is empty with no reconcile running: every tenant
// the informers listed at start has then been reconciled.
func waitResync(ctx context.Context, op *operator, n int, timeout time.Duration) (time.Duration, shared.Samples, error) {
	deadline := time.Now().Add(timeout)
	for {
		s, err := op.metrics(ctx)
		if err != nil {
			return 0, nil, err
		}
		done := s.Sum(reconcilesMetric, `controller="tenant"`) >= float64(n) &&
			s.Sum(depthMetric, `name="tenant"`) == 0 && s.Sum(workersMetric, `controller="tenant"`) == 0
		if done {
			return time.Since(op.Started), s, nil
		}
		if time.Now().After(deadline) {
			return 0, nil, fmt.Errorf("no resync after %s: %.0f reconciles (operator log: %s)", timeout, s.Sum(reconcilesMetric), op.Log.Name())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
