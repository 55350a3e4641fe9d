package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/reflect/protoregistry"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	metav1 "github.com/landlord-dev/landlord/gen/go/landlord/meta/v1"
	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

// backends are the gateway's connections to the services. Users' calls go
// over connections that present no client certificate: the gateway never
// lends its own service identity to a caller, so a call is exactly as
// trusted as its bearer token. The gateway's certificate is presented only
// for its own calls (quota's GetTenantRateLimit) and for identity's
// AuthService, which is public: there it only makes identity trust the
// x-forwarded-for address, so that sign-in limits per client address
// count each REST client, not the gateway as one.
type backends struct {
	identity, provisioning, quota, observability *grpc.ClientConn
	quotaAsGateway, authAsGateway                *grpc.ClientConn
}

func dialBackends(cfg Config, opts ...grpc.DialOption) (_ *backends, err error) {
	b := &backends{}
	defer func() {
		if err != nil {
			b.close()
		}
	}()
	userTLS := certs.Files{CA: cfg.API.CA}
	for _, d := range []struct {
		conn **grpc.ClientConn
		addr string
		tls  certs.Files
	}{
		{&b.identity, cfg.IdentityAddr, userTLS},
		{&b.provisioning, cfg.ProvisioningAddr, userTLS},
		{&b.quota, cfg.QuotaAddr, userTLS},
		{&b.observability, cfg.ObservabilityAddr, userTLS},
		{&b.quotaAsGateway, cfg.QuotaAddr, cfg.API},
		{&b.authAsGateway, cfg.IdentityAddr, cfg.API},
	} {
		tlsCfg, err := certs.Client(d.tls)
		if err != nil {
			return nil, err
		}
		if *d.conn, err = grpc.NewClient(d.addr, append(opts, grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)))...); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (b *backends) close() {
	for _, c := range []*grpc.ClientConn{b.identity, b.provisioning, b.quota, b.observability, b.quotaAsGateway, b.authAsGateway} {
		if c != nil {
			_ = c.Close()
		}
	}
}

// byService names each backend, for /readyz.
func (b *backends) byService() map[string]*grpc.ClientConn {
	return map[string]*grpc.ClientConn{"identity": b.identity, "provisioning": b.provisioning,
		"quota": b.quota, "observability": b.observability}
}

// register adds every service's REST routes to mux, each to the backend
// that serves it.
func (b *backends) register(ctx context.Context, mux *runtime.ServeMux) error {
	type reg func(context.Context, *runtime.ServeMux, *grpc.ClientConn) error
	all := []struct {
		conn *grpc.ClientConn
		regs []reg
	}{
		{b.authAsGateway, []reg{identityv1.RegisterAuthServiceHandler}},
		{b.identity, []reg{
			identityv1.RegisterUserServiceHandler,
			identityv1.RegisterGroupServiceHandler, identityv1.RegisterMembershipServiceHandler,
			identityv1.RegisterServiceAccountServiceHandler, identityv1.RegisterApiKeyServiceHandler,
			identityv1.RegisterPlatformAdminServiceHandler, identityv1.RegisterAuthorizationServiceHandler,
			identityv1.RegisterAuditServiceHandler, identityv1.RegisterSigningKeyServiceHandler,
			// Every service serves InfoService; identity answers for all.
			metav1.RegisterInfoServiceHandler,
		}},
		{b.provisioning, []reg{provisioningv1.RegisterTenantServiceHandler}},
		{b.quota, []reg{quotav1.RegisterPlanServiceHandler, quotav1.RegisterTenantQuotaServiceHandler}},
		{b.observability, []reg{
			observabilityv1.RegisterObservabilityServiceHandler, observabilityv1.RegisterCostServiceHandler,
			observabilityv1.RegisterEventServiceHandler, observabilityv1.RegisterHibernationServiceHandler,
		}},
	}
	var errs []error
	for _, a := range all {
		for _, r := range a.regs {
			errs = append(errs, r(ctx, mux, a.conn))
		}
	}
	return errors.Join(errs...)
}

// apiKeyTokenTTL bounds how long an API key's exchanged token is reused:
// how long a revoked key may still work through the gateway.
const apiKeyTokenTTL = time.Minute

// handler is the whole HTTP surface, outermost first: request id, CORS,
// the body limit, the gateway's own endpoints, bearer authentication, the
// tenant limits (open calls, then rate), then the REST routes.
func (b *backends) handler(ctx context.Context, cfg Config, log *slog.Logger) (http.Handler, error) {
	mux := runtime.NewServeMux(
		runtime.WithIncomingHeaderMatcher(incomingHeaders),
		runtime.WithErrorHandler(errorHandler(log)),
	)
	if err := b.register(ctx, mux); err != nil {
		return nil, err
	}
	verifier, err := tokenverify.ForIssuer(cfg.Issuer, cfg.Audience, cfg.IssuerCA)
	if err != nil {
		return nil, err
	}
	auth := newAuthenticator(verifier.Verify, identityExchange(identityv1.NewAuthServiceClient(b.authAsGateway)),
		apiKeyTokenTTL, cfg.MaxLimiters)
	limits := newTenantLimits(quotaRates(quotav1.NewTenantQuotaServiceClient(b.quotaAsGateway)),
		bucketOf(auth.verifyCached), cfg.RateLimitTTL, cfg.MaxLimiters, log)
	limits.isStream = streamRoutes(protoregistry.GlobalFiles)
	limits.defaults = planLimits{maxInFlight: cfg.MaxInFlight, maxStream: cfg.MaxStreams}
	top := http.NewServeMux()
	top.HandleFunc("GET /healthz", healthz)
	top.Handle("GET /readyz", readyz(b.byService()))
	top.HandleFunc("GET /openapi.json", openapiJSON)
	top.HandleFunc("GET /openapi/v2.json", openapiV2JSON)
	top.HandleFunc("GET /docs", docs)
	top.Handle("/", auth.middleware(mux, limits.middleware(mux)))
	return withRequestID(withCORS(cfg.CORSOrigins, withBodyLimit(cfg.MaxBodyBytes, mux, top))), nil
}
