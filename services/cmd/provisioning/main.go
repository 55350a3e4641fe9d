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
	shared := cli.ClusterService{Name: "provisioning", Kubeconfig: &cfg.Kubeconfig, Issuer: &cfg.Issuer, IssuerCA: &cfg.IssuerCA,
		Audience: &cfg.Audience, API: &cfg.API}
	cmd := &cobra.Command{
		Use:   "provisioning",
		Short: "Landlord's provisioning service: reconciles Tenants into namespaces, RBAC, quotas and policies",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := shared.ApplyDevEnv(); err != nil {
				return err
			}
			log := logging.New(os.Stderr, slog.LevelInfo).With("service", "provisioning")
			ctrl.SetLogger(logr.FromSlogHandler(log.Handler()))
			return provisioning.Run(cmd.Context(), cfg, log)
		},
	}
	f := cmd.Flags()
	shared.Flags(f, "kubeconfig of the cluster to manage (empty: in-cluster)")
	f.Float32Var(&cfg.QPS, "kube-qps", cfg.QPS, "client-go queries per second")
	f.IntVar(&cfg.Burst, "kube-burst", cfg.Burst, "client-go burst")
	f.BoolVar(&cfg.LeaderElection, "leader-elect", cfg.LeaderElection, "elect one active replica on a Lease")
	f.StringVar(&cfg.GRPCAddr, "grpc-addr", cfg.GRPCAddr, "gRPC address")
	f.StringVar(&cfg.HTTPAddr, "http-addr", cfg.HTTPAddr, "metrics and health address (empty disables)")
	f.StringVar(&cfg.IdentityAddr, "identity-addr", cfg.IdentityAddr, "identity's gRPC API, told over mutual TLS when a tenant is deleted (empty: no one is told)")
	f.StringVar(&cfg.QuotaAddr, "quota-addr", cfg.QuotaAddr, "the quota service's gRPC API (mutual TLS, required): plans, namespace quotas and namespace counts come from it")
	f.StringSliceVar(&cfg.Network.InternalCIDRs, "cluster-cidrs", cfg.Network.InternalCIDRs,
		"the cluster's internal ranges (pods, services, nodes): tenants' Internet egress excludes them")
	f.StringSliceVar(&cfg.Network.DNSCIDRs, "dns-cidrs", cfg.Network.DNSCIDRs,
		"extra DNS server ranges tenant pods may query on port 53 (e.g. NodeLocal DNSCache's 169.254.20.10/32)")
	return cmd
}
