// Command identity runs Landlord's identity service.
package main

import (
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/landlord-dev/landlord/services/identity"
	"github.com/landlord-dev/landlord/services/internal/cli"
	"github.com/landlord-dev/landlord/services/internal/devclusterproc"
	"github.com/landlord-dev/landlord/services/internal/logging"
)

func main() { cli.Main(command()) }

func command() *cobra.Command {
	cfg := identity.Defaults()
	cfg.KEK = os.Getenv("LANDLORD_IDENTITY_KEK")
	cfg.BootstrapPassword = os.Getenv("LANDLORD_BOOTSTRAP_ADMIN_PASSWORD")
	var devEnv string
	var plaintext bool
	cmd := &cobra.Command{
		Use:   "identity",
		Short: "Landlord's identity service: users, tenant roles, tokens and the OIDC issuer Kubernetes trusts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if devEnv != "" {
				env, err := devclusterproc.ReadEnvFile(devEnv)
				if err != nil {
					return err
				}
				cfg.Issuer, cfg.IssuerAddr = env.Identity.Issuer, env.Identity.Address
				cfg.TLSCert, cfg.TLSKey, cfg.Audience = env.Identity.TLSCert, env.Identity.TLSKey, env.Identity.Audience
				if !cfg.API.Enabled() && !plaintext {
					cfg.API = env.ServiceTLS("identity")
				}
			}
			log := logging.New(os.Stderr, slog.LevelInfo).With("service", "identity")
			svc, err := identity.New(cmd.Context(), cfg, log)
			if err != nil {
				return err
			}
			return svc.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&devEnv, "devcluster-env", "", "take issuer, address and TLS files from a dev cluster's landlord-dev.json")
	f.StringVar(&cfg.StateDir, "state-dir", cfg.StateDir, "where identity.db, the dev key-encryption key and the bootstrap credentials live")
	f.StringVar(&cfg.GRPCAddr, "grpc-addr", cfg.GRPCAddr, "gRPC API address")
	f.StringVar(&cfg.HTTPAddr, "http-addr", cfg.HTTPAddr, "metrics and health address (empty disables)")
	cli.APITLSFlags(f, &cfg.API)
	f.BoolVar(&plaintext, "api-plaintext", false, "serve the API without TLS even with --devcluster-env (loopback only: benchmarks, debugging)")
	f.StringVar(&cfg.Issuer, "issuer", cfg.Issuer, "token issuer URL (https)")
	f.StringVar(&cfg.IssuerAddr, "issuer-addr", cfg.IssuerAddr, "address the OIDC issuer serves HTTPS on")
	f.StringVar(&cfg.TLSCert, "tls-cert", cfg.TLSCert, "issuer TLS certificate (PEM)")
	f.StringVar(&cfg.TLSKey, "tls-key", cfg.TLSKey, "issuer TLS key (PEM)")
	f.StringVar(&cfg.Audience, "audience", cfg.Audience, "audience of issued tokens")
	f.DurationVar(&cfg.AccessTokenTTL, "access-token-ttl", cfg.AccessTokenTTL, "access token lifetime")
	f.DurationVar(&cfg.RefreshTokenTTL, "refresh-token-ttl", cfg.RefreshTokenTTL, "refresh token lifetime")
	f.DurationVar(&cfg.KeyRotation, "key-rotation", cfg.KeyRotation, "rotate the signing key this often")
	limitFlags(cmd, &cfg.Limits)
	f.DurationVar(&cfg.SessionLifetime, "session-lifetime", cfg.SessionLifetime, "a login's absolute lifetime, however often it is refreshed")
	f.DurationVar(&cfg.ApiKeyFreshAuth, "api-key-fresh-auth", cfg.ApiKeyFreshAuth, "how recent a password login must be to create an API key")
	f.DurationVar(&cfg.DeviceLogin.TTL, "device-login-ttl", cfg.DeviceLogin.TTL, "how long a device login (login --device) waits for approval")
	f.DurationVar(&cfg.DeviceLogin.Interval, "device-login-interval", cfg.DeviceLogin.Interval, "how long a device waits between polls")
	f.IntVar(&cfg.DeviceLogin.MaxPending, "device-login-max-pending", cfg.DeviceLogin.MaxPending, "device logins that may wait for approval at once; more are refused (RESOURCE_EXHAUSTED)")
	f.IntVar(&cfg.DeviceLogin.MaxPendingPerAddress, "device-login-max-pending-per-address", cfg.DeviceLogin.MaxPendingPerAddress, "device logins from one client address that may wait at once")
	return cmd
}
