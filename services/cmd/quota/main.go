// Command quota runs Landlord's quota service: plans, tenant budgets split
// into per-namespace ResourceQuotas, and headroom that moves between a
// tenant's namespaces. It only reads the cluster; provisioning writes.
package main

import (
	"log/slog"
	"os"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/landlord-dev/landlord/services/internal/cli"
	"github.com/landlord-dev/landlord/services/internal/logging"
	"github.com/landlord-dev/landlord/services/quota"
)

func main() { cli.Main(command()) }

func command() *cobra.Command {
	cfg := quota.Defaults()
	shared := cli.ClusterService{Name: "quota", Kubeconfig: &cfg.Kubeconfig, Issuer: &cfg.Issuer, IssuerCA: &cfg.IssuerCA,
		Audience: &cfg.Audience, API: &cfg.API}
	cmd := &cobra.Command{
		Use:   "quota",
		Short: "Landlord's quota service: plans, tenant budgets that are never oversold, headroom that moves where it is needed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := shared.ApplyDevEnv(); err != nil {
				return err
			}
			log := logging.New(os.Stderr, slog.LevelInfo).With("service", "quota")
			ctrl.SetLogger(logr.FromSlogHandler(log.Handler()))
			return quota.Run(cmd.Context(), cfg, log)
		},
	}
	f := cmd.Flags()
	shared.Flags(f, "kubeconfig of the cluster to watch (empty: in-cluster); read only")
	f.StringVar(&cfg.StateDir, "state-dir", cfg.StateDir, "directory of plans.db and ledger.db")
	f.StringVar(&cfg.GRPCAddr, "grpc-addr", cfg.GRPCAddr, "gRPC address")
	f.StringVar(&cfg.HTTPAddr, "http-addr", cfg.HTTPAddr, "metrics and health address (empty disables)")
	f.Int64Var(&cfg.GrowAt, "grow-at", cfg.GrowAt, "per mille of its limit a namespace may use before it asks its siblings for more (0: never)")
	f.DurationVar(&cfg.Resend, "resend", cfg.Resend, "how often writes the cluster still lacks are sent to provisioning again")
	f.IntVar(&cfg.Workers, "workers", cfg.Workers, "tenants reconciled in parallel")
	return cmd
}
