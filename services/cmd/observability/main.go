// Command observability runs Landlord's observability service: each
// tenant's usage now and over time, shown to its own members. It only
// reads the cluster.
package main

import (
	"log/slog"
	"os"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/landlord-dev/landlord/services/internal/cli"
	"github.com/landlord-dev/landlord/services/internal/logging"
	"github.com/landlord-dev/landlord/services/observability"
)

func main() { cli.Main(command()) }

func command() *cobra.Command {
	cfg := observability.Defaults()
	shared := cli.ClusterService{Name: "observability", Kubeconfig: &cfg.Kubeconfig, Issuer: &cfg.Issuer, IssuerCA: &cfg.IssuerCA,
		Audience: &cfg.Audience, API: &cfg.API}
	cmd := &cobra.Command{
		Use:   "observability",
		Short: "Landlord's observability service: each tenant's usage now and over time, for its members",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := shared.ApplyDevEnv(); err != nil {
				return err
			}
			log := logging.New(os.Stderr, slog.LevelInfo).With("service", "observability")
			ctrl.SetLogger(logr.FromSlogHandler(log.Handler()))
			return observability.Run(cmd.Context(), cfg, log)
		},
	}
	f := cmd.Flags()
	shared.Flags(f, "kubeconfig of the cluster to watch (empty: in-cluster); read only")
	f.StringVar(&cfg.StateDir, "state-dir", cfg.StateDir, "directory of history.db")
	f.StringVar(&cfg.GRPCAddr, "grpc-addr", cfg.GRPCAddr, "gRPC address")
	f.StringVar(&cfg.HTTPAddr, "http-addr", cfg.HTTPAddr, "metrics and health address (empty disables)")
	f.DurationVar(&cfg.Sample, "sample", cfg.Sample, "how often usage is sampled into history")
	f.DurationVar(&cfg.Flush, "flush", cfg.Flush, "how often history is written to disk: a crash loses at most this much")
	f.DurationVar(&cfg.RetainMinutes, "retain-minutes", cfg.RetainMinutes, "how long per-minute history is kept")
	f.DurationVar(&cfg.RetainHours, "retain-hours", cfg.RetainHours, "how long hourly history is kept")
	f.DurationVar(&cfg.RetainDays, "retain-days", cfg.RetainDays, "how long daily history is kept")
	f.StringVar(&cfg.ProvisioningAddr, "provisioning-addr", cfg.ProvisioningAddr, "provisioning's gRPC address, where idle tenants are hibernated (empty: none is)")
	f.DurationVar(&cfg.IdleCheck, "idle-check", cfg.IdleCheck, "how often tenants with an idle policy are checked for idleness")
	f.StringVar(&cfg.PriceSheet, "price-sheet", cfg.PriceSheet, "cost reports' price sheet, a YAML or JSON file: version, effectiveTime (RFC 3339, optional), currency (ISO 4217), and decimal prices cpuCoreHour, memoryGiBHour, storageGiBHour (at most 9 decimals); empty uses the built-in sheet: USD, 0.031611 per CPU core-hour, 0.004237 per memory GiB-hour, 0.000054795 per storage GiB-hour")
	f.IntVar(&cfg.MetricsTopTenants, "metrics-top-tenants", cfg.MetricsTopTenants, "per-tenant gauges on /metrics for this many tenants, those with the most CPU requests")
	return cmd
}
