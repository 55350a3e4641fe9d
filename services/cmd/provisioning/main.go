// Command provisioning runs Landlord's provisioning service: the Tenant
// operator, the only Landlord component that writes to the cluster.
package main

import (
	"cmp"
	"log/slog"
	"os"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/landlord-dev/landlord/services/internal/cli"
	"github.com/landlord-dev/landlord/services/internal/devclusterproc"
	"github.com/landlord-dev/landlord/services/internal/logging"
	"github.com/landlord-dev/landlord/services/provisioning"
)

func main() { cli.Main(command()) }

func command() *cobra.Command {
	cfg := provisioning.Defaults()
	var devEnv string
	cmd := &cobra.Command{
		Use:   "provisioning",
		Short: "Landlord's provisioning service: reconciles Tenants into namespaces, RBAC, quotas and policies",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if devEnv != "" {
				env, err := devclusterproc.ReadEnvFile(devEnv)
				if err != nil {
					return err
				}
				cfg.Kubeconfig, cfg.IssuerCA = cmp.Or(cfg.Kubeconfig, env.Kubeconfig), env.CACert
				cfg.Issuer, cfg.Audience = env.Identity.Issuer, env.Identity.Audience
				if !cfg.API.Enabled() {
					cfg.API = env.ServiceTLS("provisioning")
				}
			}
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
	f.StringVar(&devEnv, "devcluster-env", "", "take the kubeconfig (unless given), issuer and its CA, and the API certificate from a dev cluster's landlord-dev.json")
	cli.APITLSFlags(f, &cfg.API)
	f.StringVar(&cfg.IdentityAddr, "identity-addr", cfg.IdentityAddr, "identity's gRPC API, told over mutual TLS when a tenant is deleted (empty: no one is told)")
	f.StringVar(&cfg.QuotaAddr, "quota-addr", cfg.QuotaAddr, "the quota service's gRPC API (mutual TLS, required): plans, namespace quotas and namespace counts come from it")
	f.StringVar(&cfg.Issuer, "issuer", cfg.Issuer, "identity's token issuer URL (https)")
	f.StringVar(&cfg.IssuerCA, "issuer-ca", cfg.IssuerCA, "CA certificate (PEM) of the issuer's TLS (empty: system roots)")
	f.StringVar(&cfg.Audience, "audience", cfg.Audience, "audience of identity's tokens")
	f.StringSliceVar(&cfg.Network.InternalCIDRs, "cluster-cidrs", cfg.Network.InternalCIDRs,
		"the cluster's internal ranges (pods, services, nodes): tenants' Internet egress excludes them")
	f.StringSliceVar(&cfg.Network.DNSCIDRs, "dns-cidrs", cfg.Network.DNSCIDRs,
		"extra DNS server ranges tenant pods may query on port 53 (e.g. NodeLocal DNSCache's 169.254.20.10/32)")
	return cmd
}
