// Command provisioning runs Landlord's provisioning service: the Tenant
// operator, the only Landlord component that writes to the cluster.
package main

import (
	"log/slog"
	"os"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/landlord-dev/landlord/services/internal/cli"
	"github.com/landlord-dev/landlord/services/internal/logging"
	"github.com/landlord-dev/landlord/services/provisioning"
)

func main() { cli.Main(command()) }

func command() *cobra.Command {
	cfg := provisioning.Defaults()
	cmd := &cobra.Command{
		Use:   "provisioning",
		Short: "Landlord's provisioning service: reconciles Tenants into namespaces, RBAC, quotas and policies",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := logging.New(os.Stderr, slog.LevelInfo).With("service", "provisioning")
			ctrl.SetLogger(logr.FromSlogHandler(log.Handler()))
			return provisioning.Run(cmd.Context(), cfg, log)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster to manage (empty: in-cluster)")
	f.Float32Var(&cfg.QPS, "kube-qps", cfg.QPS, "client-go queries per second")
	f.IntVar(&cfg.Burst, "kube-burst", cfg.Burst, "client-go burst")
	f.BoolVar(&cfg.LeaderElection, "leader-elect", cfg.LeaderElection, "elect one active replica on a Lease")
	f.StringVar(&cfg.GRPCAddr, "grpc-addr", cfg.GRPCAddr, "gRPC address")
	f.StringVar(&cfg.HTTPAddr, "http-addr", cfg.HTTPAddr, "metrics and health address (empty disables)")
	return cmd
}
