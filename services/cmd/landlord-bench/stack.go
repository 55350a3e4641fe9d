package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	identitybench "github.com/landlord-dev/landlord/services/identity/bench"
	"github.com/landlord-dev/landlord/services/internal/bench"
	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/internal/devclusterproc"
)

// stack is Landlord as `make run` runs it, every service a real binary
// from bin/ on free loopback ports of the dev cluster of kubeconfig, each
// with its dev PKI certificate (the services verify each other with
// mutual TLS), in a temporary state directory.
type stack struct {
	Env      *devclusterproc.Env
	Identity *identitybench.Process // its bootstrap admin is a platform admin
	// gRPC addresses; GatewayURL is https.
	QuotaAddr, ProvisioningAddr, ObservabilityAddr, GatewayURL string
	// Admin carries the platform admin's bearer token.
	Admin      context.Context
	AdminToken string

	procs []*bench.Process
	state string
}

// startStack starts identity, quota, provisioning, observability and the
// gateway from binDir, in that order (as scripts/run.sh does), each once
// the one it needs serves.
func startStack(ctx context.Context, binDir, kubeconfig string) (_ *stack, err error) {
	devEnv := devEnv(kubeconfig)
	s := &stack{}
	defer func() {
		if err != nil {
			s.stop(true)
		}
	}()
	if s.Env, err = devclusterproc.ReadEnvFile(devEnv); err != nil {
		return nil, err
	}
	if s.state, err = os.MkdirTemp("", "landlord-bench-stack-"); err != nil {
		return nil, err
	}
	// Identity at the dev cluster's issuer, its sign-in limits off: only
	// the bench signs in.
	if s.Identity, err = identitybench.Start(ctx, binDir+"/identity", devEnv, false); err != nil {
		return nil, err
	}
	if s.AdminToken, err = s.Identity.AdminToken(ctx); err != nil {
		return nil, err
	}
	s.Admin = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+s.AdminToken)
	common := []string{"--devcluster-env", devEnv, "--kubeconfig", kubeconfig, "--grpc-addr", "127.0.0.1:0", "--http-addr", ""}
	if s.QuotaAddr, err = s.start(ctx, binDir+"/quota", append(common, "--state-dir", s.state+"/quota")...); err != nil {
		return nil, err
	}
	// Quota serves once provisioning has installed the Tenant CRD: start
	// provisioning, then wait for both.
	if s.ProvisioningAddr, err = s.start(ctx, binDir+"/provisioning", append(common, "--leader-elect=false",
		"--identity-addr", s.Identity.Addr, "--quota-addr", s.QuotaAddr)...); err != nil {
		return nil, err
	}
	for _, addr := range []string{s.QuotaAddr, s.ProvisioningAddr} {
		if err := s.waitServing(ctx, addr); err != nil {
			return nil, err
		}
	}
	if s.ObservabilityAddr, err = s.start(ctx, binDir+"/observability", "--devcluster-env", devEnv, "--kubeconfig", kubeconfig,
		"--grpc-addr", "127.0.0.1:0", "--http-addr", "", "--state-dir", s.state+"/observability",
		"--provisioning-addr", s.ProvisioningAddr); err != nil {
		return nil, err
	}
	if err := s.waitServing(ctx, s.ObservabilityAddr); err != nil {
		return nil, err
	}
	p, line, err := bench.StartProcess(ctx, binDir+"/gateway", []string{"--devcluster-env", devEnv,
		"--addr", "127.0.0.1:0", "--metrics-addr", "", "--identity-addr", s.Identity.Addr,
		"--provisioning-addr", s.ProvisioningAddr, "--quota-addr", s.QuotaAddr,
		"--observability-addr", s.ObservabilityAddr}, nil, "gateway serving")
	if err != nil {
		return nil, err
	}
	s.procs = append(s.procs, p)
	var serving struct{ URL string }
	if err := json.Unmarshal(line, &serving); err != nil || serving.URL == "" {
		return nil, fmt.Errorf("gateway: no URL in %s", line)
	}
	s.GatewayURL = serving.URL
	return s, nil
}

// start runs a service binary and returns the gRPC address it serves.
func (s *stack) start(ctx context.Context, bin string, args ...string) (string, error) {
	p, line, err := bench.StartProcess(ctx, bin, args, nil, "serving")
	if err != nil {
		return "", err
	}
	s.procs = append(s.procs, p)
	var serving struct{ GRPC string }
	if err := json.Unmarshal(line, &serving); err != nil || serving.GRPC == "" {
		return "", fmt.Errorf("%s: no gRPC address in %s", bin, line)
	}
	return serving.GRPC, nil
}

// Dial connects to a Landlord API as a user's client does: TLS trusting
// Landlord's CA, no client certificate (the token authenticates).
func (s *stack) Dial(addr string) (*grpc.ClientConn, error) {
	tlsCfg, err := certs.Client(s.Env.ClientTLS())
	if err != nil {
		return nil, err
	}
	return grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)))
}

// waitServing waits up to a minute for the gRPC health at addr to say
// SERVING.
func (s *stack) waitServing(ctx context.Context, addr string) error {
	conn, err := s.Dial(addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	deadline := time.Now().Add(time.Minute)
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		resp, err := health.Check(cctx, &healthpb.HealthCheckRequest{})
		cancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s not serving after a minute (%v, %v)", addr, resp.GetStatus(), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop stops the services in reverse order and removes their state, and
// their logs unless keepLogs (a failed run: its errors name them).
func (s *stack) stop(keepLogs bool) {
	for i := len(s.procs) - 1; i >= 0; i-- {
		_ = s.procs[i].Stop()
		if keepLogs {
			fmt.Fprintf(os.Stderr, "landlord-bench: log kept: %s\n", s.procs[i].Log.Name())
		} else {
			_ = os.Remove(s.procs[i].Log.Name())
		}
	}
	if s.Identity != nil {
		s.Identity.Stop()
	}
	if s.state != "" {
		_ = os.RemoveAll(s.state)
	}
}

// createPlan creates plan name like "standard", with rate as its gateway
// rate limit (requests per second and burst).
func (s *stack) createPlan(ctx context.Context, name string, rate *quotav1.RateLimit) error {
	conn, err := s.Dial(s.QuotaAddr)
	if err != nil {
		return err
	}
	defer conn.Close()
	plans := quotav1.NewPlanServiceClient(conn)
	base, err := plans.GetPlan(s.Admin, &quotav1.GetPlanRequest{Name: "standard"}, grpc.WaitForReady(true))
	if err != nil {
		return fmt.Errorf("get plan standard: %w", err)
	}
	p := proto.Clone(base.GetPlan()).(*quotav1.Plan)
	p.Name, p.Etag, p.CreateTime, p.UpdateTime, p.RateLimit = name, "", nil, nil, rate
	if _, err := plans.CreatePlan(s.Admin, &quotav1.CreatePlanRequest{Plan: p}); err != nil {
		return fmt.Errorf("create plan %s: %w", name, err)
	}
	return nil
}

// createTenant creates a tenant on plan with one namespace and waits up
// to a minute until it is Active.
func (s *stack) createTenant(ctx context.Context, name, plan string) error {
	conn, err := s.Dial(s.ProvisioningAddr)
	if err != nil {
		return err
	}
	defer conn.Close()
	tenants := provisioningv1.NewTenantServiceClient(conn)
	if _, err := tenants.CreateTenant(s.Admin, &provisioningv1.CreateTenantRequest{Tenant: &provisioningv1.Tenant{
		Name: name, Plan: plan, Namespaces: []*provisioningv1.Namespace{{Name: "web"}}}}, grpc.WaitForReady(true)); err != nil {
		return fmt.Errorf("create tenant %s: %w", name, err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := tenants.GetTenant(s.Admin, &provisioningv1.GetTenantRequest{Name: name})
		if err != nil {
			return err
		}
		t := resp.GetTenant()
		if t.GetPhase() == provisioningv1.Phase_PHASE_ACTIVE && t.GetObservedGeneration() == t.GetGeneration() {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return errors.New("tenant " + name + " not Active after a minute: " + t.GetPhase().String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}
