package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	provbench "github.com/landlord-dev/landlord/services/provisioning/bench"
	"github.com/landlord-dev/landlord/services/provisioning/crds"
)

// Metrics the restart phase reads from the operator's /metrics.
const (
	writesMetric     = "landlord_provisioning_kube_writes_total"
	reconcilesMetric = "controller_runtime_reconcile_total"
	depthMetric      = "workqueue_depth"
	workersMetric    = "controller_runtime_active_workers"
)

// Provisioning measures the Tenant operator in two phases.
//
// Throughput: n Tenants (one namespace each) created at once, timed until
// every one is Active, against raw client-go creates at the same
// concurrency in the same run: of the objects the operator's renderer
// makes for a tenant (the goal's baseline), of bench-apiserver's 6
// (earlier runs' baseline), and of the operator's objects plus the
// Tenant's own create and status write (the floor of the operator's path:
// its ratio is the operator's own overhead). Before the raw creates of the
// operator's objects, the bench applies the operator's cluster-wide
// objects (admission policies, priority levels), so that both meet the
// same API server. The
// tenants are created through the TenantService API with a platform
// admin's token from bin/identity; CPU per tenant is shown by process.
//
// Restart: with restartN tenants Active, the operator is stopped (SIGTERM)
// and started again; the resync is done when it has reconciled at least
// restartN times with an empty work queue and no reconcile running. It
// reports how long that took from process start, how many writes the
// resync made (the goal is none) and the operator's resident memory.
func Provisioning(ctx context.Context, w io.Writer, cfg *rest.Config, operatorBin, identityBin, kubeconfig string, n, restartN, workers int) error {
	raw6, err := APIServer(ctx, cfg, "raw", n, workers)
	if err != nil {
		return err
	}
	objects, err := OperatorObjectsPerTenant()
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
	if err := provbench.InstallClusterWide(ctx, cfg); err != nil {
		return err
	}
	same, err := createOperatorObjects(c, "same", n)
	if err != nil {
		return err
	}
	cpuRaw := cpuSnapshot(0)
	raw, err := rawCreates(ctx, cfg, "same", n, workers, objects, same)
	if err != nil {
		return err
	}
	rawCPU := perTenant(cpuRaw, cpuSnapshot(0), n)
	if err := removeRawFlowSchemas(ctx, c); err != nil {
		return err
	}
	if err := crds.Install(ctx, c); err != nil {
		return err
	}
	writes, err := createOperatorObjects(c, "writes", n)
	if err != nil {
		return err
	}
	rawT, err := rawCreates(ctx, cfg, "writes", n, workers, objects+2, tenantWrites(c, writes))
	if err != nil {
		return err
	}
	if err := removeTenants(ctx, c, "writes", n); err != nil {
		return err
	}
	if err := removeRawFlowSchemas(ctx, c); err != nil {
		return err
	}
	id, err := startIdentity(ctx, identityBin, filepath.Join(filepath.Dir(kubeconfig), "landlord-dev.json"))
	if err != nil {
		return err
	}
	defer id.stop()
	token, err := id.adminToken(ctx)
	if err != nil {
		return err
	}
	op, err := startOperator(ctx, operatorBin, kubeconfig)
	if err != nil {
		return err
	}
	defer func() { _ = op.stop() }()
	api, err := dialTenantAPI(op.grpcAddr, token)
	if err != nil {
		return err
	}
	defer api.close()
	active := watchActive(ctx, c)
	defer active.close()

	cpuOp := cpuSnapshot(op.cmd.Process.Pid)
	start := time.Now()
	created, err := api.create(ctx, 0, n, workers)
	if err != nil {
		return err
	}
	activeAt, err := active.wait(ctx, n, 10*time.Minute)
	if err != nil {
		return fmt.Errorf("%w (operator log: %s)", err, op.log.Name())
	}
	elapsed := time.Since(start)
	opCPU := perTenant(cpuOp, cpuSnapshot(op.cmd.Process.Pid), n)
	var toActive Latencies
	for name, at := range activeAt {
		toActive = append(toActive, at.Sub(created[name]))
	}
	opTPS := float64(n) / elapsed.Seconds()
	fmt.Fprintf(w, "bench-provisioning: %d tenants (1 namespace, %d objects each) created through TenantService, %d client workers\n", n, objects, workers)
	Row(w, fmt.Sprintf("raw client-go, the same %d objects", objects), fmt.Sprintf("%.1f tenants/s  (namespace, then the rest at once)", raw.TenantsPS))
	Row(w, "raw client-go, 6 objects", fmt.Sprintf("%.1f tenants/s  (bench-apiserver's set, one by one)", raw6.TenantsPS))
	Row(w, "raw client-go, the same writes", fmt.Sprintf("%.1f tenants/s  (+ the Tenant's create and one status write)", rawT.TenantsPS))
	Row(w, "TenantService, create to Active", fmt.Sprintf("%.1f tenants/s in %s", opTPS, elapsed.Round(time.Millisecond)))
	Row(w, "operator / raw (same objects)", fmt.Sprintf("%.2f  (goal >= 0.6)", opTPS/raw.TenantsPS))
	Row(w, "operator / raw (6 objects)", fmt.Sprintf("%.2f", opTPS/raw6.TenantsPS))
	Row(w, "operator / raw (same writes)", fmt.Sprintf("%.2f  (the operator's own overhead)", opTPS/rawT.TenantsPS))
	Row(w, "create to Active p50 / p99", ms(toActive.Quantile(0.5))+" / "+ms(toActive.Quantile(0.99)))
	Row(w, "CPU per tenant, raw (same objects)", rawCPU)
	Row(w, "CPU per tenant, operator", opCPU)
	scrape, err := op.metrics(ctx)
	if err != nil {
		Row(w, "operator writes per tenant", err.Error())
		return nil // nothing to measure a restart with
	}
	Row(w, "operator writes per tenant", fmt.Sprintf("%.1f  (%s)", scrape.sum(writesMetric)/float64(n), scrape.breakdown(writesMetric)))
	Row(w, "operator reconciles per tenant", fmt.Sprintf("%.1f", scrape.sum(reconcilesMetric, `controller="tenant"`)/float64(n)))
	if restartN <= n {
		return nil
	}
	if _, err := api.create(ctx, n, restartN, workers); err != nil {
		return err
	}
	if _, err := active.wait(ctx, restartN, 10*time.Minute); err != nil {
		return fmt.Errorf("%w (operator log: %s)", err, op.log.Name())
	}
	if err := op.stop(); err != nil {
		return err
	}
	fmt.Fprintf(w, " restart with %d Active tenants (SIGTERM, start again):\n", restartN)
	if op, err = startOperator(ctx, operatorBin, kubeconfig); err != nil {
		return err
	}
	resync, scrape, err := waitResync(ctx, op, restartN, 5*time.Minute)
	if err != nil {
		return err
	}
	rss, err := op.rss()
	if err != nil {
		return err
	}
	Row(w, "process start to resync done", fmt.Sprintf("%s  (%.0f reconciles)", resync.Round(time.Millisecond), scrape.sum(reconcilesMetric, `controller="tenant"`)))
	Row(w, "writes during resync", fmt.Sprintf("%.0f  (goal 0)  %s", scrape.sum(writesMetric), scrape.breakdown(writesMetric)))
	Row(w, "operator RSS", fmt.Sprintf("%.0f MiB at %d tenants", float64(rss)/(1<<20), restartN))
	Row(w, "operator log", op.log.Name())
	return nil
}

// waitResync polls the operator's metrics until it has reconciled at least
// n tenants and its queue is empty with no reconcile running: every tenant
// the informers listed at start has then been reconciled.
func waitResync(ctx context.Context, op *operator, n int, timeout time.Duration) (time.Duration, samples, error) {
	deadline := time.Now().Add(timeout)
	for {
		s, err := op.metrics(ctx)
		if err != nil {
			return 0, nil, err
		}
		done := s.sum(reconcilesMetric, `controller="tenant"`) >= float64(n) &&
			s.sum(depthMetric, `name="tenant"`) == 0 && s.sum(workersMetric, `controller="tenant"`) == 0
		if done {
			return time.Since(op.started), s, nil
		}
		if time.Now().After(deadline) {
			return 0, nil, fmt.Errorf("no resync after %s: %.0f reconciles (operator log: %s)", timeout, s.sum(reconcilesMetric), op.log.Name())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
