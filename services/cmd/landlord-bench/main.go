// Command landlord-bench runs Landlord's benchmarks; `make bench` calls it.
// It only wires them to subcommands and flags: the generic ones (apiserver,
// devcluster-start) live in services/internal/bench, each service's beside
// the service (services/<service>/bench).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"

	identitybench "github.com/landlord-dev/landlord/services/identity/bench"
	"github.com/landlord-dev/landlord/services/internal/bench"
	"github.com/landlord-dev/landlord/services/internal/cli"
	"github.com/landlord-dev/landlord/services/internal/devclusterproc"
	observabilitybench "github.com/landlord-dev/landlord/services/observability/bench"
	provisioningbench "github.com/landlord-dev/landlord/services/provisioning/bench"
	quotabench "github.com/landlord-dev/landlord/services/quota/bench"
)

func main() {
	root := &cobra.Command{Use: "landlord-bench", Short: "Run Landlord's benchmarks"}
	root.AddCommand(apiserverCommand(), devclusterStartCommand(), identityCommand(), provisioningCommand(), apfCommand(), quotaCommand(), observabilityCommand(), gatewayCommand(), ghzCommand())
	cli.Main(root)
}

func apiserverCommand() *cobra.Command {
	var kubeconfig string
	var tenants, workers int
	cmd := &cobra.Command{
		Use:   "apiserver",
		Short: "Raw client-go create throughput of a tenant's object set: the limit provisioning is measured against",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
			if err != nil {
				return err
			}
			ctx, out := cmd.Context(), cmd.OutOrStdout()
			if _, err := bench.APIServer(ctx, cfg, "warmup", 2*workers, workers); err != nil {
				return err
			}
			serial, err := bench.APIServer(ctx, cfg, "serial", tenants/5, 1)
			if err != nil {
				return err
			}
			parallel, err := bench.APIServer(ctx, cfg, "bench", tenants, workers)
			if err != nil {
				return err
			}
			fmt.Fprintln(out, "bench-apiserver: raw client-go creates (namespace, RoleBinding, ResourceQuota, LimitRange, 2 NetworkPolicies per tenant)")
			fmt.Fprintln(out, " 1 worker (baseline):")
			serial.Print(out)
			fmt.Fprintf(out, " %d workers:\n", workers)
			parallel.Print(out)
			bench.Row(out, "throughput vs 1 worker", fmt.Sprintf("%.2fx", parallel.ObjectsPS/serial.ObjectsPS))
			return nil
		},
	}
	cmd.Flags().StringVar(&kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "admin kubeconfig of the cluster to measure")
	cmd.Flags().IntVar(&tenants, "tenants", 500, "tenants to create")
	cmd.Flags().IntVar(&workers, "workers", 16, "concurrent workers")
	return cmd
}

func devclusterStartCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "devcluster-start",
		Short: "Cold and warm start times of the dev cluster",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "bench-devcluster-start: process start to a usable cluster")
			return bench.DevclusterStart(cmd.OutOrStdout())
		},
	}
}

func identityCommand() *cobra.Command {
	var identityBin, kubeconfig string
	cmd := &cobra.Command{
		Use:   "identity",
		Short: "Token verification against a no-op RPC, and logins per second, with ghz",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return identitybench.Run(cmd.Context(), cmd.OutOrStdout(), identityBin, devEnv(kubeconfig))
		},
	}
	cmd.Flags().StringVar(&identityBin, "identity-bin", "bin/identity", "the identity binary to measure")
	cmd.Flags().StringVar(&kubeconfig, "kubeconfig", os.Getenv("LANDLORD_KUBECONFIG"), "admin kubeconfig of the dev cluster (its landlord-dev.json is next to it)")
	return cmd
}

func provisioningCommand() *cobra.Command {
	var operatorBin, identityBin, quotaBin, kubeconfig string
	var tenants, restartTenants, workers int
	cmd := &cobra.Command{
		Use:   "provisioning",
		Short: "Tenants through the operator until Active, against raw client-go creates; then a restart's resync time, writes and memory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
			if err != nil {
				return err
			}
			cfg.QPS, cfg.Burst = -1, 0
			quota, quotaAddr, err := startQuota(cmd.Context(), quotaBin, kubeconfig)
			if err != nil {
				return err
			}
			defer quota.Stop()
			return provisioningbench.Run(cmd.Context(), cmd.OutOrStdout(), provisioningbench.Options{
				Kube: cfg, Kubeconfig: kubeconfig, OperatorBin: operatorBin, QuotaAddr: quotaAddr,
				// The bench's token: a platform admin's, from bin/identity.
				Login: func(ctx context.Context) (string, func(), error) {
					return identitybench.AdminToken(ctx, identityBin, devEnv(kubeconfig))
				},
				Tenants: tenants, RestartTenants: restartTenants, Workers: workers,
			})
		},
	}
	cmd.Flags().StringVar(&operatorBin, "provisioning-bin", "bin/provisioning", "the provisioning binary to measure")
	cmd.Flags().StringVar(&identityBin, "identity-bin", "bin/identity", "the identity binary that issues the bench's token")
	cmd.Flags().StringVar(&quotaBin, "quota-bin", "bin/quota", "the quota service binary the operator takes plans and quotas from")
	cmd.Flags().StringVar(&kubeconfig, "kubeconfig", os.Getenv("LANDLORD_KUBECONFIG"), "admin kubeconfig of the dev cluster")
	cmd.Flags().IntVar(&tenants, "tenants", 500, "tenants to create")
	cmd.Flags().IntVar(&restartTenants, "restart-tenants", 1000, "tenants Active when the operator restarts (0 skips the restart phase)")
	cmd.Flags().IntVar(&workers, "workers", 16, "concurrent client workers")
	return cmd
}

func apfCommand() *cobra.Command {
	var kubeconfig string
	o := provisioningbench.APFOptions{}
	cmd := &cobra.Command{
		Use:   "apf",
		Short: "API Priority and Fairness: throughput of the first and the last tenant subject of the tier flow schemas at 1,000 tenants",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
			if err != nil {
				return err
			}
			o.Kube = cfg
			return provisioningbench.RunAPF(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().StringVar(&kubeconfig, "kubeconfig", os.Getenv("LANDLORD_KUBECONFIG"), "admin kubeconfig of the dev cluster")
	cmd.Flags().IntVar(&o.Tenants, "tenants", 1000, "tenants in the flow schemas")
	cmd.Flags().IntVar(&o.Workers, "workers", 8, "concurrent clients per user")
	cmd.Flags().DurationVar(&o.Round, "round", 3*time.Second, "how long each round measures one user")
	cmd.Flags().IntVar(&o.Rounds, "rounds", 6, "rounds per user, the users alternating")
	cmd.Flags().BoolVar(&o.Legacy, "legacy", true, "also measure one flow schema per tenant, the layout the tier schemas replaced")
	return cmd
}

// startQuota runs the quota service for the dev cluster of kubeconfig,
// its state in a temporary directory, and returns its gRPC address.
func startQuota(ctx context.Context, bin, kubeconfig string) (*bench.Process, string, error) {
	dir, err := os.MkdirTemp("", "bench-quota-state-")
	if err != nil {
		return nil, "", err
	}
	p, line, err := bench.StartProcess(ctx, bin, []string{"--devcluster-env", devEnv(kubeconfig), "--kubeconfig", kubeconfig,
		"--state-dir", dir, "--grpc-addr", "127.0.0.1:0", "--http-addr", ""}, nil, "serving")
	if err != nil {
		return nil, "", err
	}
	var serving struct{ GRPC string }
	if err := json.Unmarshal(line, &serving); err != nil {
		_ = p.Stop()
		return nil, "", err
	}
	return p, serving.GRPC, nil
}

func quotaCommand() *cobra.Command {
	var kubeconfig, binDir string
	o := quotabench.Options{}
	cmd := &cobra.Command{
		Use:   "quota",
		Short: "Pod storm against a tenant budget vs plain quotas of the same total; rebalance end to end",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := devclusterproc.ReadEnvFile(devEnv(kubeconfig))
			if err != nil {
				return err
			}
			o.Kubeconfig, o.Env, o.BinDir = kubeconfig, env, binDir
			return quotabench.Run(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().StringVar(&kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "admin kubeconfig of the dev cluster")
	cmd.Flags().StringVar(&binDir, "bin-dir", "bin", "directory of the quota and provisioning binaries")
	cmd.Flags().IntVar(&o.Rounds, "rounds", 3, "storm rounds against each side")
	cmd.Flags().DurationVar(&o.Window, "window", 8*time.Second, "how long each storm runs")
	cmd.Flags().IntVar(&o.Samples, "samples", 20, "rebalances to time")
	return cmd
}

// devEnv is the env file of the dev cluster whose admin kubeconfig is
// kubeconfig: both are in its state directory.
func devEnv(kubeconfig string) string {
	return filepath.Join(filepath.Dir(kubeconfig), "landlord-dev.json")
}

func observabilityCommand() *cobra.Command {
	var kubeconfig, bin, identityBin string
	o := observabilitybench.Options{}
	cmd := &cobra.Command{
		Use:   "observability",
		Short: "Usage latency, memory and collection throughput at 1,000 tenants, 10,000 Deployments and 2,000 pods",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
			if err != nil {
				return err
			}
			o.Kube, o.DevEnv, o.Bin = cfg, devEnv(kubeconfig), bin
			// The bench's token: a platform admin's, from bin/identity.
			o.Login = func(ctx context.Context) (string, func(), error) {
				return identitybench.AdminToken(ctx, identityBin, o.DevEnv)
			}
			return observabilitybench.Run(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", os.Getenv("LANDLORD_KUBECONFIG"), "admin kubeconfig of the dev cluster")
	f.StringVar(&bin, "observability-bin", "bin/observability", "the observability binary to measure")
	f.StringVar(&identityBin, "identity-bin", "bin/identity", "the identity binary that issues the bench's token")
	f.IntVar(&o.Scale.Tenants, "tenants", 1000, "tenants to seed")
	f.IntVar(&o.Scale.Namespaces, "namespaces", 2, "namespaces per tenant")
	f.IntVar(&o.Scale.DeploymentsPerNS, "deployments", 5, "Deployments per namespace")
	f.IntVar(&o.Scale.PodsPerNS, "pods", 1, "pods per namespace")
	f.IntVar(&o.SeedWorkers, "seed-workers", 16, "concurrent seeding workers")
	f.IntVar(&o.Calls, "calls", 4000, "GetTenantUsage calls to time")
	f.IntVar(&o.CallWorkers, "call-workers", 4, "concurrent GetTenantUsage callers")
	f.Int32Var(&o.PageSize, "page-size", 100, "ListTenantUsage page size")
	f.IntVar(&o.Walks, "walks", 5, "full ListTenantUsage walks to time")
	f.IntVar(&o.ChurnWorkers, "churn-workers", 16, "concurrent Deployment patchers")
	f.DurationVar(&o.ChurnWindow, "churn-window", 15*time.Second, "how long Deployments are patched")
	return cmd
}
