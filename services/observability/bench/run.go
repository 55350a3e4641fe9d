// Package bench measures the observability service (make
// bench-observability) at the production scale, seeded in bulk:
// GetTenantUsage and ListTenantUsage latency over gRPC and TLS with a
// real token, the service's memory, and how many object changes per
// second its informers keep up with next to a plain watch of the same
// objects in the same run.
package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"google.golang.org/grpc/metadata"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	shared "github.com/landlord-dev/landlord/services/internal/bench"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/crds"
)

// Options configure Run.
type Options struct {
	Kube   *rest.Config // the dev cluster's admin
	DevEnv string       // its landlord-dev.json
	Bin    string       // bin/observability
	// Login returns a platform admin's token and a func that ends what
	// issued it.
	Login func(ctx context.Context) (string, func(), error)
	Scale Scale
	// SeedWorkers create the seed; Calls GetTenantUsage calls are made
	// from CallWorkers; PageSize and Walks bound ListTenantUsage;
	// ChurnWorkers patch Deployments for ChurnWindow.
	SeedWorkers, Calls, CallWorkers int
	PageSize                        int32
	Walks                           int
	ChurnWorkers                    int
	ChurnWindow                     time.Duration
}

// Goals from the issue.
const (
	goalGetP99 = 20 * time.Millisecond
	goalRSS    = 300 << 20
)

// Run seeds the cluster, starts observability and measures it.
func Run(ctx context.Context, out io.Writer, o Options) error {
	cfg := rest.CopyConfig(o.Kube)
	cfg.QPS, cfg.Burst = -1, 0 // measure the API server, not client-go's limiter
	cfg.WarningHandler = rest.NoWarnings{}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		return err
	}
	sc := o.Scale
	fmt.Fprintf(out, "bench-observability: %d tenants, %d namespaces, %d Deployments, %d pods, seeded in bulk as the cluster admin\n",
		sc.Tenants, sc.Tenants*sc.Namespaces, sc.Tenants*sc.Namespaces*sc.DeploymentsPerNS, sc.Tenants*sc.Namespaces*sc.PodsPerNS)
	fmt.Fprintln(out, "  (no provisioning operator runs: nothing reconciles the seeded Tenants; observability runs as its binary)")
	if err := installCRDs(ctx, cfg, scheme); err != nil {
		return err
	}
	// A client of its own: the installer's has cached that Tenants were unknown.
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	start := time.Now()
	if err := seed(ctx, kube, c, sc, o.SeedWorkers); err != nil {
		return err
	}
	seeded := time.Since(start)
	objects := sc.Tenants * (1 + sc.Namespaces*(1+sc.DeploymentsPerNS+sc.PodsPerNS))
	shared.Row(out, "seed", fmt.Sprintf("%d objects in %.1f s (%.0f objects/s, %d workers)", objects, seeded.Seconds(), float64(objects)/seeded.Seconds(), o.SeedWorkers))

	token, logout, err := o.Login(ctx)
	if err != nil {
		return err
	}
	defer logout()
	s, err := startService(ctx, o.Bin, o.DevEnv)
	if err != nil {
		return err
	}
	defer s.stop()
	shared.Row(out, "start to serving (informers synced)", time.Since(s.Started).Round(10*time.Millisecond).String())
	if err := printMemory(out, s, "RSS after sync"); err != nil {
		return err
	}
	actx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)

	if err := checkUsage(actx, s, sc, 20); err != nil {
		return err
	}
	get, health, err := getUsage(actx, s, sc.Tenants, o.Calls, o.CallWorkers)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, " GetTenantUsage of random tenants, platform admin's token, gRPC over TLS, %d workers, %d calls\n", o.CallWorkers, len(get))
	shared.Row(out, "health check (baseline) p50 / p99", shared.Ms(health.Quantile(0.5))+" / "+shared.Ms(health.Quantile(0.99)))
	shared.Row(out, "GetTenantUsage p50 / p99", shared.Ms(get.Quantile(0.5))+" / "+shared.Ms(get.Quantile(0.99)))
	shared.Row(out, "p50 vs baseline", fmt.Sprintf("%.2fx", ratio(get.Quantile(0.5), health.Quantile(0.5))))

	pages, walks, seen, err := listUsage(actx, s, o.PageSize, o.Walks)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, " ListTenantUsage, pages of %d, %d walks of all %d tenants, one call at a time\n", o.PageSize, len(walks), seen)
	shared.Row(out, "page p50 / p99", shared.Ms(pages.Quantile(0.5))+" / "+shared.Ms(pages.Quantile(0.99)))
	shared.Row(out, "full walk (median)", shared.Ms(median(walks)))
	shared.Row(out, "page p50 vs GetTenantUsage p50", fmt.Sprintf("%.1fx", ratio(pages.Quantile(0.5), get.Quantile(0.5))))

	r, err := churn(ctx, kube, s, sc, o.ChurnWorkers, o.ChurnWindow)
	if err != nil {
		return err
	}
	printChurn(out, r, o.ChurnWorkers)
	if r.CaughtUp {
		if err := checkUsage(actx, s, sc, 50); err != nil {
			return fmt.Errorf("after the churn: %w", err)
		}
		shared.Row(out, "usage after the churn", "matches the cluster (50 random tenants)")
	}
	time.Sleep(5 * time.Second) // let the churn's garbage be collected
	if err := printMemory(out, s, "RSS after the churn"); err != nil {
		return err
	}
	rss, err := s.RSS()
	if err != nil {
		return err
	}
	fmt.Fprintln(out, " goals")
	shared.Row(out, "GetTenantUsage p99 < 20 ms", verdict(get.Quantile(0.99) < goalGetP99, fmt.Sprintf("%.2f of the goal", ratio(get.Quantile(0.99), goalGetP99))))
	shared.Row(out, "observability RSS < 300 MiB", verdict(rss < goalRSS, fmt.Sprintf("%.2f of the goal", float64(rss)/goalRSS)))
	shared.Row(out, "collection keeps up with the watch", verdict(r.CaughtUp && r.CollectPS() >= 0.9*r.WatchPS(), fmt.Sprintf("%.2fx its throughput", r.CollectPS()/r.WatchPS())))
	return nil
}

// installCRDs installs the Tenant CRD as provisioning does when it starts.
func installCRDs(ctx context.Context, cfg *rest.Config, scheme *runtime.Scheme) error {
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	return crds.Install(ctx, c)
}

func printChurn(out io.Writer, r churnResult, workers int) {
	fmt.Fprintf(out, " collection: an annotation of the seeded Deployments patched by %d workers for %s; the stream of Deployment changes up to the last patch,\n"+
		"   received by a plain client-go watch (baseline) and applied by observability's informers (its /metrics)\n",
		workers, r.Window.Round(time.Second))
	shared.Row(out, "patches accepted", fmt.Sprintf("%d (%.0f/s)", r.Patches, float64(r.Patches)/r.Window.Seconds()))
	shared.Row(out, "watch (baseline)", fmt.Sprintf("%d changes in %.2f s: %.0f changes/s", r.Events, r.Watch.Seconds(), r.WatchPS()))
	if !r.CaughtUp {
		shared.Row(out, "observability", fmt.Sprintf("only %d of %d changes a minute after the churn", r.ObsEvents, r.Events))
		return
	}
	shared.Row(out, "observability informers", fmt.Sprintf("%d changes in %.2f s: %.0f changes/s", r.Events, r.Collected.Seconds(), r.CollectPS()))
	lag := "after"
	if r.Collected < r.Watch {
		lag = "before" // the baseline shares this process with the writers
	}
	shared.Row(out, "vs the watch", fmt.Sprintf("%.2fx, had it all %s %s it (polled every %s)",
		r.CollectPS()/r.WatchPS(), shared.Ms((r.Collected-r.Watch).Abs()), lag, pollInterval))
}

// printMemory waits for the process to settle (idle, a GC behind it) and
// prints its resident memory now and at its peak.
func printMemory(out io.Writer, s *service, name string) error {
	time.Sleep(3 * time.Second)
	rss, err := s.RSS()
	if err != nil {
		return err
	}
	peak, err := peakRSS(s.Pid())
	if err != nil {
		return err
	}
	shared.Row(out, name, fmt.Sprintf("%.0f MiB (peak %.0f MiB)", float64(rss)/(1<<20), float64(peak)/(1<<20)))
	return nil
}

func verdict(met bool, detail string) string {
	if met {
		return "met (" + detail + ")"
	}
	return "MISSED (" + detail + ")"
}

func ratio(a, b time.Duration) float64 { return a.Seconds() / b.Seconds() }

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
