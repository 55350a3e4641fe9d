package identity

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"

	"github.com/landlord-dev/landlord/services/identity/internal/api"
	"github.com/landlord-dev/landlord/services/identity/internal/apikeys"
	"github.com/landlord-dev/landlord/services/identity/internal/audit"
	"github.com/landlord-dev/landlord/services/identity/internal/auth"
	"github.com/landlord-dev/landlord/services/identity/internal/authz"
	"github.com/landlord-dev/landlord/services/identity/internal/device"
	"github.com/landlord-dev/landlord/services/identity/internal/groups"
	"github.com/landlord-dev/landlord/services/identity/internal/kek"
	"github.com/landlord-dev/landlord/services/identity/internal/keys"
	"github.com/landlord-dev/landlord/services/identity/internal/memberships"
	"github.com/landlord-dev/landlord/services/identity/internal/oidc"
	"github.com/landlord-dev/landlord/services/identity/internal/password"
	"github.com/landlord-dev/landlord/services/identity/internal/serviceaccounts"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/identity/internal/users"
	"github.com/landlord-dev/landlord/services/internal/authn"
	"github.com/landlord-dev/landlord/services/internal/server"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

// Service is a started identity service.
type Service struct {
	cfg    Config
	log    *slog.Logger
	store  store.Store
	keys   *keys.Manager
	audit  *audit.Log
	auth   *auth.Service
	grpc   *server.Server
	issuer net.Listener
	tls    *tls.Config
}

// New opens the store, loads the keys, bootstraps the first admin and binds
// every listener, so that a bad config or a taken port fails here.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("identity config: %w", err)
	}
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, err
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("issuer TLS: %w", err)
	}
	k, err := kek.Load(cfg.KEK, cfg.kekPath(), true)
	if err != nil {
		return nil, err
	}
	st, err := store.OpenBolt(cfg.dbPath())
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, log: log, store: st,
		tls: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	if err := s.build(ctx, k); err != nil {
		_ = st.Close()
		return nil, err
	}
	return s, nil
}

func (s *Service) build(ctx context.Context, k *kek.KEK) error {
	var err error
	cfg := s.cfg
	if s.keys, err = keys.Load(ctx, s.store, k, cfg.AccessTokenTTL); err != nil {
		return err
	}
	now := time.Now
	// The one hashing budget: every password hash in identity goes through it.
	hasher, err := password.NewHasher(password.DefaultParams, cfg.Limits.PasswordHashMemoryMiB, cfg.Limits.PasswordHashQueue)
	if err != nil {
		return err
	}
	userSvc := &users.Service{Store: s.store, Hashing: hasher, Now: now}
	if err := bootstrap(ctx, cfg, s.store, userSvc, s.log); err != nil {
		return err
	}
	authSvc := auth.New(auth.Config{Issuer: cfg.Issuer, Audience: cfg.Audience,
		AccessTTL: cfg.AccessTokenTTL, RefreshTTL: cfg.RefreshTokenTTL, Hasher: hasher, MaxSession: cfg.SessionLifetime,
		PerAddress: cfg.Limits.SignInPerAddress, PerAccount: cfg.Limits.LoginPerAccount}, s.store, s.keys)
	userSvc.Guesses = authSvc // one lock-out for Login and SetPassword
	s.auth = authSvc
	verifier := &tokenverify.Verifier{Issuer: cfg.Issuer, Audience: cfg.Audience, Keys: keyringSource{s.keys}}

	auditLog := &audit.Log{Store: s.store, Now: now, Logger: s.log, Retention: cfg.Limits.Audit}
	s.audit = auditLog
	keySvc := &apikeys.Service{Store: s.store, Now: now, FreshAuth: cfg.ApiKeyFreshAuth}
	// The issuer's port first: if it is taken, nothing else was opened.
	if s.issuer, err = net.Listen("tcp", cfg.IssuerAddr); err != nil {
		return fmt.Errorf("issuer listener: %w", err)
	}
	s.grpc, err = server.New(server.Config{
		Service:       "identity",
		GRPCAddr:      cfg.GRPCAddr,
		HTTPAddr:      cfg.HTTPAddr,
		TLS:           cfg.API,
		Logger:        s.log,
		Authenticator: api.CurrentSubjects(authn.Bearer{Verifier: verifier}, s.store),
		Access:        api.Access(s.store),
		Auditor:       auditLog,
		Register: func(r grpc.ServiceRegistrar) {
			api.Register(r, api.Domain{
				Users: userSvc, Memberships: &memberships.Service{Store: s.store, Now: now},
				Auth: authSvc, ApiKeys: keySvc, Keys: s.keys,
				Groups:          &groups.Service{Store: s.store, Now: now},
				ServiceAccounts: &serviceaccounts.Service{Store: s.store, Now: now},
				Audit:           auditLog,
				Authz:           &authz.Service{Store: s.store, Verifier: verifier},
				Device:          device.New(cfg.DeviceLogin, now),
			})
		},
	})
	if err != nil {
		_ = s.issuer.Close()
	}
	return err
}

// GRPCAddr is where the gRPC API listens.
func (s *Service) GRPCAddr() string { return s.grpc.GRPCAddr() }

// Run serves until ctx ends, then drains and closes the store.
func (s *Service) Run(ctx context.Context) error {
	defer s.store.Close()
	issuer := &http.Server{
		Handler:           oidc.Handler(s.cfg.Issuer, s.keys.Keyring),
		TLSConfig:         s.tls,
		ReadHeaderTimeout: 10 * time.Second,
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.grpc.Run(gctx) })
	g.Go(func() error {
		err := issuer.ServeTLS(s.issuer, "", "")
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	})
	// The audit log sums and trims until the gRPC server has drained, then
	// writes its last summaries, before the store closes.
	auditCtx, stopAudit := context.WithCancel(context.WithoutCancel(ctx))
	auditDone := make(chan error, 1)
	go func() { auditDone <- s.audit.Run(auditCtx) }()
	defer func() {
		stopAudit()
		if err := <-auditDone; err != nil {
			s.log.Error("audit log", "error", err.Error())
		}
	}()
	g.Go(func() error {
		s.keys.RotateEvery(gctx, s.cfg.KeyRotation, func(err error) { s.log.Error("key rotation failed", "error", err.Error()) })
		return nil
	})
	g.Go(func() error {
		s.auth.CollectEvery(gctx, s.cfg.SessionSweep, func(err error) {
			s.log.Error("collecting expired refresh tokens failed", "error", err.Error())
		})
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return issuer.Shutdown(shutdown)
	})
	s.log.Info("OIDC issuer serving", "issuer", s.cfg.Issuer, "address", s.issuer.Addr().String())
	return g.Wait()
}

// keyringSource lets identity verify its own tokens from the live keyring.
type keyringSource struct{ m *keys.Manager }

func (k keyringSource) Key(ctx context.Context, kid string) (*jose.JSONWebKey, error) {
	return k.m.Keyring().Key(ctx, kid)
}
