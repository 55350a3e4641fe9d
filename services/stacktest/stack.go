// Package stacktest runs Landlord's services together against the dev
// cluster, the way their binaries run in a deployment, for the
// integration tests of every service: identity in the test process,
// quota and provisioning (and, if asked for, observability) as binaries
// (so tests can kill -9 them), each
// acting as its own ServiceAccount with the roles its markers generate,
// talking over loopback gRPC with mutual TLS.
package stacktest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/landlord-dev/landlord/services/identity"
	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/internal/devclusterproc"
)

// Stack is Landlord running against one dev cluster.
type Stack struct {
	Env        *devclusterproc.Env
	Kubeconfig string // the cluster admin's
	Dir        string // state and logs
	Issuer     string

	Identity *grpc.ClientConn
	// Admin carries the bootstrap platform admin's token.
	Admin context.Context

	Quota        *Process
	Provisioning *Process
	// Observability runs only with Options.Observability.
	Observability *Process
}

// Options tune Start.
type Options struct {
	// QuotaArgs and ProvisioningArgs are extra flags.
	QuotaArgs, ProvisioningArgs []string
	// Observability also runs the observability service, started once
	// provisioning serves, with ObservabilityArgs.
	Observability     bool
	ObservabilityArgs []string
	// IdentityAtClusterIssuer serves identity's issuer where the dev
	// cluster's API server expects it (Env.Identity), so that kubectl
	// with identity's tokens authenticates. Only one stack per cluster
	// can do so at a time.
	IdentityAtClusterIssuer bool
	// BinDir holds prebuilt quota and provisioning (and observability)
	// binaries (make build's bin/); empty builds them from this source
	// tree.
	BinDir string
}

// Start runs the stack with its state in a new directory under tmp.
func Start(kubeconfig string, env *devclusterproc.Env, tmp string, opts Options) (*Stack, error) {
	dir, err := os.MkdirTemp(tmp, "landlord-stack-")
	if err != nil {
		return nil, err
	}
	s := &Stack{Env: env, Kubeconfig: kubeconfig, Dir: dir}
	bin := opts.BinDir
	built := make(chan error, 1)
	if bin == "" {
		bin = filepath.Join(dir, "bin")
		cmds := []string{"./cmd/quota", "./cmd/provisioning"}
		if opts.Observability {
			cmds = append(cmds, "./cmd/observability")
		}
		go func() { built <- build(bin, cmds...) }() // while identity starts
	} else {
		built <- nil
	}
	id, err := s.startIdentity(opts.IdentityAtClusterIssuer)
	if err != nil {
		return nil, err
	}
	if err := <-built; err != nil {
		return nil, err
	}
	if err := ApplyRBAC(kubeconfig); err != nil {
		return nil, err
	}
	// The quota service keeps its port across restarts: provisioning
	// dials it by address.
	quotaPort, err := freePort()
	if err != nil {
		return nil, err
	}
	tokens := []string{"--issuer", s.Issuer, "--issuer-ca", env.CACert, "--audience", "landlord", "--http-addr", ""}
	quotaKube, err := Impersonating(kubeconfig, QuotaUser, dir)
	if err != nil {
		return nil, err
	}
	api := env.ServiceTLS("quota")
	s.Quota = &Process{Name: "quota", Log: filepath.Join(dir, "quota.log"), Args: append(append([]string{
		filepath.Join(bin, "quota"), "--kubeconfig", quotaKube, "--state-dir", filepath.Join(dir, "quota"),
		"--grpc-addr", fmt.Sprintf("127.0.0.1:%d", quotaPort),
		"--api-tls-cert", api.Cert, "--api-tls-key", api.Key, "--api-tls-ca", api.CA}, tokens...), opts.QuotaArgs...)}
	// Not ready until provisioning has installed the Tenant CRD, which
	// provisioning does before it needs quota: start both, then wait.
	if err := s.Quota.Start(); err != nil {
		return nil, err
	}
	operatorKube, err := Impersonating(kubeconfig, ProvisioningUser, dir)
	if err != nil {
		return nil, err
	}
	api = env.ServiceTLS("provisioning")
	s.Provisioning = &Process{Name: "provisioning", Log: filepath.Join(dir, "provisioning.log"), Args: append(append([]string{
		filepath.Join(bin, "provisioning"), "--kubeconfig", operatorKube, "--grpc-addr", "127.0.0.1:0",
		"--identity-addr", id, "--quota-addr", s.Quota.Addr(),
		"--api-tls-cert", api.Cert, "--api-tls-key", api.Key, "--api-tls-ca", api.CA}, tokens...), opts.ProvisioningArgs...)}
	if err := s.Provisioning.Start(); err != nil {
		return nil, err
	}
	if err := s.WaitServing(s.Quota.Addr()); err != nil {
		return nil, err
	}
	if err := s.WaitServing(s.Provisioning.Addr()); err != nil || !opts.Observability {
		return s, err
	}
	return s, s.startObservability(bin, tokens, opts.ObservabilityArgs)
}

// startObservability runs the observability service as its own
// ServiceAccount, on a port it keeps across restarts.
func (s *Stack) startObservability(bin string, tokens, args []string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	kube, err := Impersonating(s.Kubeconfig, ObservabilityUser, s.Dir)
	if err != nil {
		return err
	}
	api := s.Env.ServiceTLS("observability")
	s.Observability = &Process{Name: "observability", Log: filepath.Join(s.Dir, "observability.log"), Args: append(append([]string{
		filepath.Join(bin, "observability"), "--kubeconfig", kube, "--state-dir", filepath.Join(s.Dir, "observability"),
		"--grpc-addr", fmt.Sprintf("127.0.0.1:%d", port), "--provisioning-addr", s.Provisioning.Addr(),
		"--api-tls-cert", api.Cert, "--api-tls-key", api.Key, "--api-tls-ca", api.CA}, tokens...), args...)}
	if err := s.Observability.Start(); err != nil {
		return err
	}
	return s.WaitServing(s.Observability.Addr())
}

// WaitServing waits up to a minute until the service at addr says it is
// ready: its gRPC health (what /readyz serves) is SERVING.
func (s *Stack) WaitServing(addr string) error {
	conn, err := s.Dial(addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{})
		cancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not serving after a minute (%v, %v)", addr, resp.GetStatus(), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startIdentity runs identity in this process, its issuer on a port of
// its own (identity's own tests may hold the dev cluster's) unless
// atClusterIssuer, and signs
// the bootstrap admin in. It returns identity's gRPC address.
func (s *Stack) startIdentity(atClusterIssuer bool) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	cfg := identity.Defaults()
	cfg.StateDir, cfg.GRPCAddr, cfg.HTTPAddr = filepath.Join(s.Dir, "identity"), "127.0.0.1:0", ""
	cfg.IssuerAddr = fmt.Sprintf("127.0.0.1:%d", port)
	cfg.Issuer, cfg.Audience = "https://"+cfg.IssuerAddr, "landlord"
	if atClusterIssuer {
		cfg.IssuerAddr, cfg.Issuer, cfg.Audience = s.Env.Identity.Address, s.Env.Identity.Issuer, s.Env.Identity.Audience
	}
	cfg.TLSCert, cfg.TLSKey = s.Env.Identity.TLSCert, s.Env.Identity.TLSKey
	cfg.API = s.Env.ServiceTLS("identity")
	ctx := context.Background()
	id, err := identity.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return "", err
	}
	go func() { _ = id.Run(ctx) }()
	s.Issuer = cfg.Issuer
	if s.Identity, err = s.Dial(id.GRPCAddr()); err != nil {
		return "", err
	}
	data, err := os.ReadFile(filepath.Join(cfg.StateDir, "bootstrap-admin"))
	if err != nil {
		return "", err
	}
	_, pw, _ := strings.Cut(string(data), "password: ")
	token, err := s.Login(identity.BootstrapAdmin, strings.TrimSpace(pw))
	if err != nil {
		return "", err
	}
	s.Admin = Bearer(token)
	return id.GRPCAddr(), nil
}

// Dial connects to a Landlord API as a user's client does: over TLS,
// trusting Landlord's CA, with opts (such as tracing).
func (s *Stack) Dial(addr string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	tlsCfg, err := certs.Client(s.Env.ClientTLS())
	if err != nil {
		return nil, err
	}
	return grpc.NewClient(addr, append(opts, grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)))...)
}

// DialAs connects to addr as a Landlord service does: with that
// service's client certificate from the dev PKI, and no token.
func (s *Stack) DialAs(addr, service string) (*grpc.ClientConn, error) {
	tlsCfg, err := certs.Client(s.Env.ServiceTLS(service))
	if err != nil {
		return nil, err
	}
	return grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)))
}

// Close stops the binaries and removes the state, unless the tests
// failed: then the logs stay, and Close says where.
func (s *Stack) Close(failed bool) {
	if s.Observability != nil {
		_ = s.Observability.Stop()
	}
	if s.Provisioning != nil {
		_ = s.Provisioning.Stop() // releasing the Lease: the next run leads at once
	}
	if s.Quota != nil {
		_ = s.Quota.Stop()
	}
	if failed {
		fmt.Fprintf(os.Stderr, "stacktest: logs and state kept in %s\n", s.Dir)
		return
	}
	_ = os.RemoveAll(s.Dir)
}

// build compiles the binaries of cmds (packages of the services module)
// into dir.
func build(dir string, cmds ...string) error {
	cmd := exec.Command("go", append([]string{"build", "-o", dir + string(filepath.Separator)}, cmds...)...)
	cmd.Dir = filepath.Join(repoRoot(), "services")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	return nil
}

// repoRoot is the repository this source file is in.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
