// Command gateway runs Landlord's REST/JSON gateway: every service's API
// over HTTPS and JSON, its OpenAPI 3 document at /openapi.json, bearer
// tokens passed through to the services, per-tenant rate and concurrency
// limits from quota, bounded request bodies, and request ids in and out.
package main

import (
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/landlord-dev/landlord/services/gateway"
	"github.com/landlord-dev/landlord/services/internal/cli"
	"github.com/landlord-dev/landlord/services/internal/devclusterproc"
	"github.com/landlord-dev/landlord/services/internal/logging"
)

func main() { cli.Main(command()) }

func command() *cobra.Command {
	cfg := gateway.Defaults()
	var devEnv string
	cmd := &cobra.Command{
		Use:   "gateway",
		Short: "Landlord's REST/JSON gateway to every service",
		Long: `Serves every Landlord API as REST/JSON (the paths of the protos' google.api.http
annotations), dialing each service over TLS.

Send "Authorization: Bearer <token>" (from POST /v1/auth:login, or an API key
exchanged at POST /v1/auth:exchangeApiKey); the services verify it. Errors
are google.rpc.Status JSON with the canonical HTTP code. Server streams
(e.g. GET /v1/tenants/{tenant}/events:watch) answer newline-delimited JSON,
one {"result": <message>} per line, or {"error": <status>} last.`,
		Example: `  gateway --devcluster-env .landlord/devcluster/landlord-dev.json
  curl --cacert .landlord/devcluster/pki/landlord-ca.crt https://127.0.0.1:8080/v1/auth:login \
    -d '{"username":"admin","password":"..."}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if devEnv != "" && !cfg.API.Enabled() {
				env, err := devclusterproc.ReadEnvFile(devEnv)
				if err != nil {
					return err
				}
				cfg.API = env.ServiceTLS("gateway")
				cfg.Issuer, cfg.Audience, cfg.IssuerCA = env.Identity.Issuer, env.Identity.Audience, env.CACert
			}
			log := logging.New(os.Stderr, slog.LevelInfo).With("service", "gateway")
			return gateway.Run(cmd.Context(), cfg, log)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", cfg.Addr, "REST address (HTTPS; plain HTTP only on loopback without a certificate)")
	f.StringVar(&cfg.MetricsAddr, "metrics-addr", cfg.MetricsAddr, "address of /metrics (empty disables)")
	cli.APITLSFlags(f, &cfg.API)
	f.StringVar(&devEnv, "devcluster-env", "", "take the gateway's certificate, Landlord's CA and the issuer from a dev cluster's landlord-dev.json (unless --api-tls-cert is given)")
	f.StringVar(&cfg.Issuer, "issuer", cfg.Issuer, "identity's token issuer URL (https); tokens are verified to tell a tenant's members from others for rate limits")
	f.StringVar(&cfg.IssuerCA, "issuer-ca", cfg.IssuerCA, "CA certificate (PEM) of the issuer's TLS (empty: system roots)")
	f.StringVar(&cfg.Audience, "audience", cfg.Audience, "audience of identity's tokens")
	f.StringVar(&cfg.IdentityAddr, "identity-addr", cfg.IdentityAddr, "identity's gRPC address")
	f.StringVar(&cfg.ProvisioningAddr, "provisioning-addr", cfg.ProvisioningAddr, "provisioning's gRPC address")
	f.StringVar(&cfg.QuotaAddr, "quota-addr", cfg.QuotaAddr, "quota's gRPC address")
	f.StringVar(&cfg.ObservabilityAddr, "observability-addr", cfg.ObservabilityAddr, "observability's gRPC address")
	f.StringSliceVar(&cfg.CORSOrigins, "cors-origin", nil, "origin browsers may call from (repeatable; \"*\" for any); none by default")
	f.DurationVar(&cfg.RateLimitTTL, "rate-limit-ttl", cfg.RateLimitTTL, "how long a tenant's rate limit from quota is used before it is asked again")
	f.IntVar(&cfg.MaxLimiters, "max-limiters", cfg.MaxLimiters, "tenants whose rate limiters are kept (least recently used forgotten first)")
	f.IntVar(&cfg.MaxInFlight, "max-in-flight", cfg.MaxInFlight, "requests one tenant may have open at once when its plan names no limit or quota cannot answer")
	f.IntVar(&cfg.MaxStreams, "max-streams", cfg.MaxStreams, "streams (watches) one tenant may have open at once when its plan names no limit or quota cannot answer")
	f.Int64Var(&cfg.MaxBodyBytes, "max-body-bytes", cfg.MaxBodyBytes, "largest request body accepted; larger ones get 413")
	return cmd
}
