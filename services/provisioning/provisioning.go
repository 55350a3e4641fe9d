// Package provisioning wires the provisioning service: the Tenant operator
// (controller-runtime, leader-elected) next to the shared gRPC runtime.
package provisioning

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/authn"
	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/internal/grpcmw"
	"github.com/landlord-dev/landlord/services/internal/server"
	"github.com/landlord-dev/landlord/services/internal/telemetry"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/api"
	"github.com/landlord-dev/landlord/services/provisioning/internal/controller"
	"github.com/landlord-dev/landlord/services/provisioning/internal/quotasync"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
	"github.com/landlord-dev/landlord/services/provisioning/internal/tenants"
)

// SystemNamespace holds Landlord's own objects, such as the leader lease.
const SystemNamespace = controller.SystemNamespace

// Config is provisioning's configuration.
type Config struct {
	// Kubeconfig is the cluster to manage ("" means in-cluster).
	Kubeconfig string
	// QPS and Burst are client-go's client-side rate limits; the defaults
	// of 5/10 would cap provisioning far below what the API server takes,
	// and a tenant costs about a dozen writes: 2000/s is ~150 tenants/s.
	QPS   float32
	Burst int
	// LeaderElection lets several replicas run with one reconciling.
	LeaderElection bool
	// GRPCAddr and HTTPAddr are the shared runtime's listeners.
	GRPCAddr string
	HTTPAddr string
	// Issuer and Audience are identity's tokens, whose keys are fetched
	// over HTTPS from the issuer, trusting IssuerCA (PEM; empty trusts the
	// system roots).
	Issuer   string
	Audience string
	IssuerCA string
	// Network is what tenant network policies must know of the cluster:
	// its internal ranges, which Internet egress excludes.
	Network render.Network
	// API is the certificate the gRPC API and metrics serve (required off
	// loopback); it is also provisioning's client certificate to identity.
	API certs.Files
	// IdentityAddr is identity's gRPC API, told over mutual TLS when a
	// tenant is deleted, so that its memberships go with it. Empty: no
	// one is told (a cluster without identity).
	IdentityAddr string
	// QuotaAddr is the quota service's gRPC API (mutual TLS, with the API
	// certificate): plans and each namespace's ResourceQuota come from it,
	// and it admits namespace counts. Required.
	QuotaAddr string
}

// Defaults suit `make run`.
func Defaults() Config {
	return Config{QPS: 2000, Burst: 4000, LeaderElection: true, GRPCAddr: "127.0.0.1:7200", HTTPAddr: "127.0.0.1:9200",
		Issuer: "https://127.0.0.1:8443", Audience: "landlord", Network: render.DefaultNetwork()}
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if c.IdentityAddr != "" && !c.API.Enabled() {
		errs = append(errs, errors.New("identity address: provisioning proves itself to identity with its API certificate; set --api-tls-cert and --api-tls-key"))
	}
	switch {
	case c.QuotaAddr == "":
		errs = append(errs, errors.New("quota address: plans and quotas come from the quota service; set --quota-addr"))
	case !c.API.Enabled():
		errs = append(errs, errors.New("quota address: provisioning proves itself to the quota service with its API certificate; set --api-tls-cert and --api-tls-key"))
	}
	if c.QPS <= 0 || c.Burst < 1 {
		errs = append(errs, fmt.Errorf("qps %v and burst %d must be positive", c.QPS, c.Burst))
	}
	if u, err := url.Parse(c.Issuer); err != nil || u.Scheme != "https" || u.Host == "" {
		errs = append(errs, fmt.Errorf("issuer %q must be an https URL", c.Issuer))
	}
	if c.Audience == "" {
		errs = append(errs, errors.New("audience must be set"))
	}
	if err := c.Network.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Service is a configured provisioning service, listening but not yet
// reconciling or serving.
type Service struct {
	cfg Config
	log *slog.Logger
	mgr ctrl.Manager
	srv *server.Server
}

// Run is New, then Service.Run.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	s, err := New(ctx, cfg, log)
	if err != nil {
		return err
	}
	return s.Run(ctx)
}

// New installs the CRDs and cluster-wide objects and binds the listeners,
// so that a bad config, an unreachable cluster or a taken port fails here.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("provisioning config: %w", err)
	}
	rest, err := clientcmd.BuildConfigFromFlags("", cfg.Kubeconfig)
	if err != nil {
		return nil, err
	}
	rest.QPS, rest.Burst = cfg.QPS, cfg.Burst
	operator, err := controller.OperatorIdentity(ctx, rest) // a review, not a write: before counting
	if err != nil {
		return nil, err
	}
	writes := &writeCounter{}
	rest.Wrap(writes.Wrap)
	scheme := runtime.NewScheme()
	if err := errors.Join(clientgoscheme.AddToScheme(scheme), v1alpha1.AddToScheme(scheme)); err != nil {
		return nil, err
	}
	mgr, err := ctrl.NewManager(rest, ctrl.Options{
		Scheme:                  scheme,
		Cache:                   controller.CacheOptions(),
		Metrics:                 metricsserver.Options{BindAddress: "0"}, // served by the runtime below
		HealthProbeBindAddress:  "0",
		LeaderElection:          cfg.LeaderElection,
		LeaderElectionID:        controller.LeaderElectionID,
		LeaderElectionNamespace: SystemNamespace,
		// Give the Lease up on shutdown (Run returns only after), so that
		// a replica starting next leads at once instead of waiting for the
		// Lease to expire.
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		return nil, err
	}
	// The cluster-wide objects exist before any replica reconciles.
	direct, err := client.New(mgr.GetConfig(), client.Options{Scheme: scheme, HTTPClient: mgr.GetHTTPClient(), Mapper: mgr.GetRESTMapper()})
	if err != nil {
		return nil, err
	}
	if err := controller.Install(ctx, direct, operator); err != nil {
		return nil, err
	}
	// Made before the server, so that the calls to identity and quota are
	// part of the traces of the requests that make them.
	tel, err := telemetry.New("provisioning")
	if err != nil {
		return nil, err
	}
	members, err := dialIdentity(cfg, tel.DialOption())
	if err != nil {
		return nil, err
	}
	quota, err := dialQuota(cfg, tel.DialOption())
	if err != nil {
		return nil, err
	}
	// Plans and quotas arrive on every replica (each serves the API from
	// the plans); only the leader writes quotas, the others remember them.
	syncer := &quotasync.Syncer{Client: quota, Kube: mgr.GetClient(), Live: mgr.GetAPIReader(),
		Log: log.With("component", "quotasync"), Leading: mgr.Elected()}
	reconciler := &controller.TenantReconciler{Plans: syncer, PlansReady: syncer.Ready, Quota: syncer,
		Network: cfg.Network, Memberships: members}
	syncer.OnPlans = reconciler.PlansChanged
	if err := reconciler.SetupWithManager(mgr); err != nil {
		return nil, err
	}
	if err := mgr.Add(syncer); err != nil {
		return nil, err
	}
	namespaces, err := mgr.GetCache().GetInformer(ctx, &corev1.Namespace{}, cache.BlockUntilSynced(false))
	if err != nil {
		return nil, err
	}
	if err := syncer.ForgetDeletedNamespaces(namespaces); err != nil {
		return nil, err
	}
	verifier, err := tokenverify.ForIssuer(cfg.Issuer, cfg.Audience, cfg.IssuerCA)
	if err != nil {
		return nil, err
	}
	tenantSvc := &tenants.Service{Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Cache: mgr.GetCache(),
		Plans: syncer, PlansReady: syncer.Ready, Quota: quotaAdmission{client: quota}}
	table := api.Access()
	srv, err := server.New(server.Config{
		Service: "provisioning", GRPCAddr: cfg.GRPCAddr, HTTPAddr: cfg.HTTPAddr, Logger: log, TLS: cfg.API, Telemetry: tel,
		Authenticator: authn.Bearer{Verifier: verifier},
		Gatherers:     []prometheus.Gatherer{crmetrics.Registry}, // reconciles, work queue, client-go
		Access:        table,
		ServerOptions: []grpc.ServerOption{grpc.ChainUnaryInterceptor(api.WakeOnUse(table, tenantSvc, log))},
		Auditor:       grpcmw.LogAuditor{Logger: log},
		// The quota service's plans arrived, caches synced, and the
		// controller runs if this replica leads.
		Ready: func(ctx context.Context) error {
			if err := syncer.WaitReady(ctx); err != nil {
				return err
			}
			return reconciler.Ready(ctx)
		},
		Register: func(r grpc.ServiceRegistrar) {
			provisioningv1.RegisterTenantServiceServer(r, &api.TenantServer{Tenants: tenantSvc, Watch: &api.Watcher{Cache: mgr.GetCache()}})
		},
	})
	if err != nil {
		return nil, err
	}
	if err := writes.register(srv.Meters()); err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, log: log, mgr: mgr, srv: srv}, nil
}

// GRPCAddr is where the TenantService API listens.
func (s *Service) GRPCAddr() string { return s.srv.GRPCAddr() }

// Run reconciles and serves until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.srv.Run(gctx) })
	g.Go(func() error { return s.mgr.Start(gctx) })
	s.log.Info("tenant operator started", "leader_election", s.cfg.LeaderElection, "qps", s.cfg.QPS, "burst", s.cfg.Burst,
		"grpc", s.srv.GRPCAddr(), "http", s.srv.HTTPAddr())
	return g.Wait()
}
