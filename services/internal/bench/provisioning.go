package bench

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// Provisioning measures the Tenant operator: n Tenants (one namespace
// each) created at once, timed until every one is Active, against raw
// client-go creates of a tenant's objects at the same concurrency in the
// same run. The tenants are created as custom resources: the gRPC API in
// front of them is not built yet.
func Provisioning(ctx context.Context, w io.Writer, cfg *rest.Config, operatorBin, kubeconfig string, n, workers int) error {
	raw, err := APIServer(ctx, cfg, "raw", n, workers)
	if err != nil {
		return err
	}
	op := exec.CommandContext(ctx, operatorBin, "--kubeconfig", kubeconfig, "--leader-elect=false", "--grpc-addr", "127.0.0.1:0", "--http-addr", "")
	op.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	logs, err := op.StderrPipe()
	if err != nil {
		return err
	}
	if err := op.Start(); err != nil {
		return err
	}
	defer func() { _ = op.Process.Signal(syscall.SIGTERM); _ = op.Wait() }()
	opLog, err := os.CreateTemp("", "bench-provisioning-operator-*.log")
	if err != nil {
		return err
	}
	defer opLog.Close()
	if err := waitForLine(logs, "tenant operator started", opLog); err != nil {
		return err
	}

	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		return err
	}
	c, err := client.New(rest.CopyConfig(cfg), client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	start := time.Now()
	jobs := make(chan int)
	var wg sync.WaitGroup
	var createErr error
	var mu sync.Mutex
	created := map[string]time.Time{}
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				t := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bench-%04d", i)},
					Spec: v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "app"}}}}
				err := c.Create(ctx, t)
				mu.Lock()
				created[t.Name] = time.Now()
				createErr = cmp.Or(createErr, err)
				mu.Unlock()
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if createErr != nil {
		return createErr
	}
	activeAt, err := waitAllActive(ctx, c, n)
	if err != nil {
		return fmt.Errorf("%w (operator log: %s)", err, opLog.Name())
	}
	elapsed := time.Since(start)
	var toActive Latencies
	for name, at := range activeAt {
		toActive = append(toActive, at.Sub(created[name]))
	}
	opTPS := float64(n) / elapsed.Seconds()
	fmt.Fprintf(w, "bench-provisioning: %d tenants (1 namespace, 9 objects each) through the operator, %d client workers\n", n, workers)
	Row(w, "raw client-go (6 objects/tenant)", fmt.Sprintf("%.1f tenants/s", raw.TenantsPS))
	Row(w, "operator, create to all Active", fmt.Sprintf("%.1f tenants/s in %s", opTPS, elapsed.Round(time.Millisecond)))
	Row(w, "operator / raw", fmt.Sprintf("%.2f  (goal >= 0.6)", opTPS/raw.TenantsPS))
	Row(w, "create to Active p50 / p99", ms(toActive.Quantile(0.5))+" / "+ms(toActive.Quantile(0.99)))
	Row(w, "operator log", opLog.Name())
	return nil
}

// waitAllActive polls until every bench tenant is Active and returns when
// each was first seen Active (to within the 50 ms poll).
func waitAllActive(ctx context.Context, c client.Client, n int) (map[string]time.Time, error) {
	seen := map[string]time.Time{}
	deadline := time.Now().Add(10 * time.Minute)
	for len(seen) < n {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("only %d of %d tenants Active after 10 minutes", len(seen), n)
		}
		list := &v1alpha1.TenantList{}
		if err := c.List(ctx, list); err != nil {
			return nil, err
		}
		now := time.Now()
		for _, t := range list.Items {
			if _, ok := seen[t.Name]; !ok && t.Status.Phase == v1alpha1.PhaseActive {
				seen[t.Name] = now
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return seen, nil
}

// waitForLine reads a process's log until a line contains text, then
// copies the rest to rest in the background.
func waitForLine(r io.Reader, text string, rest io.Writer) error {
	lines := bufio.NewScanner(r)
	for lines.Scan() {
		if strings.Contains(lines.Text(), text) {
			go func() { _, _ = io.Copy(rest, r) }()
			return nil
		}
	}
	return fmt.Errorf("the process exited before logging %q", text)
}
