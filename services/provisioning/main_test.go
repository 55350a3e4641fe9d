package provisioning_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/identity"
	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/internal/devclusterproc"
	"github.com/landlord-dev/landlord/services/internal/server"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
)

func TestMain(m *testing.M) {
	code := devclustertest.Main(m)
	if shared != nil {
		shared.stopOperator() // releasing the Lease: the next run leads at once
		_ = os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// stack is identity and provisioning running in this process the way
// their binaries run them, against the dev cluster, over real loopback
// gRPC. Identity serves its issuer on a port of its own, so this package
// may run while identity's tests hold the dev cluster's issuer address.
type stack struct {
	identity     *grpc.ClientConn
	provisioning *grpc.ClientConn
	tenants      provisioningv1.TenantServiceClient
	admin        context.Context // the bootstrap platform admin
	issuer       string
	dir          string

	env         *devclusterproc.Env
	quotaAddr   string   // the quota service's gRPC API (startQuota)
	command     []string // the provisioning binary and its flags
	operator    *exec.Cmd
	operatorLog string
}

// startOperator runs the provisioning binary, leader election and all,
// and points s.tenants at its API.
func (s *stack) startOperator() error {
	// Left open: the process's log is copied into it for as long as it runs.
	log, err := os.OpenFile(s.operatorLog, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(s.command[0], s.command[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlives the test binary
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	addr, err := server.ServingAddr(io.TeeReader(stderr, log))
	if err != nil {
		_ = cmd.Wait()
		return fmt.Errorf("provisioning (log %s): %w", s.operatorLog, err)
	}
	conn, err := dial(s.env, addr)
	if err != nil {
		return err
	}
	s.operator, s.provisioning, s.tenants = cmd, conn, provisioningv1.NewTenantServiceClient(conn)
	return nil
}

// dial connects to a Landlord API of the dev cluster as a user's client
// does: over TLS, trusting Landlord's CA.
func dial(env *devclusterproc.Env, addr string) (*grpc.ClientConn, error) {
	tlsCfg, err := certs.Client(env.ClientTLS())
	if err != nil {
		return nil, err
	}
	return grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)))
}

// killOperator sends SIGKILL: no drain, no lease release.
func (s *stack) killOperator() {
	_ = s.operator.Process.Kill()
	_ = s.operator.Wait()
}

var (
	shared     *stack
	sharedOnce sync.Once
	sharedErr  error
)

// started returns the package's stack, starting it on first use.
func started(t *testing.T) *stack {
	t.Helper()
	kubeconfig, env := devclustertest.Kubeconfig(t), devclustertest.Env(t)
	sharedOnce.Do(func() { shared, sharedErr = start(kubeconfig, env, os.TempDir()) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

func start(kubeconfig string, env *devclusterproc.Env, tmp string) (*stack, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir, err := os.MkdirTemp(tmp, "provisioning-test-")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	idCfg := identity.Defaults()
	idCfg.StateDir, idCfg.GRPCAddr, idCfg.HTTPAddr = filepath.Join(dir, "identity"), "127.0.0.1:0", ""
	idCfg.IssuerAddr = fmt.Sprintf("127.0.0.1:%d", port)
	idCfg.Issuer, idCfg.Audience = "https://"+idCfg.IssuerAddr, "landlord"
	idCfg.TLSCert, idCfg.TLSKey = env.Identity.TLSCert, env.Identity.TLSKey
	idCfg.API = env.ServiceTLS("identity")
	ctx := context.Background()
	id, err := identity.New(ctx, idCfg, quiet)
	if err != nil {
		return nil, err
	}
	go func() { _ = id.Run(ctx) }()

	s := &stack{dir: dir, issuer: idCfg.Issuer, operatorLog: filepath.Join(dir, "provisioning.log")}
	if s.identity, err = dial(env, id.GRPCAddr()); err != nil {
		return nil, err
	}
	if s.quotaAddr, err = startQuota(ctx, env, dir); err != nil {
		return nil, fmt.Errorf("quota service: %w", err)
	}
	bin := filepath.Join(dir, "provisioning")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/provisioning").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build: %v\n%s", err, out)
	}
	// The operator runs as it would in a cluster: as its ServiceAccount,
	// with the roles generated from its RBAC markers and nothing more.
	operatorKubeconfig, err := asOperator(kubeconfig, dir)
	if err != nil {
		return nil, err
	}
	s.command = []string{bin, "--kubeconfig", operatorKubeconfig, "--issuer", idCfg.Issuer, "--issuer-ca", env.CACert,
		"--audience", idCfg.Audience, "--grpc-addr", "127.0.0.1:0", "--http-addr", "", "--identity-addr", id.GRPCAddr(),
		"--quota-addr", s.quotaAddr}
	api := env.ServiceTLS("provisioning")
	s.command = append(s.command, "--api-tls-cert", api.Cert, "--api-tls-key", api.Key, "--api-tls-ca", api.CA)
	s.env = env
	if err := s.startOperator(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(idCfg.StateDir, "bootstrap-admin"))
	if err != nil {
		return nil, err
	}
	_, pw, _ := strings.Cut(string(data), "password: ")
	token, err := s.login(identity.BootstrapAdmin, strings.TrimSpace(pw))
	if err != nil {
		return nil, err
	}
	s.admin = bearer(token)
	return s, nil
}

// startQuota starts the quota service for the stack, in this process or
// as its binary, with its state under dir, trusting identity's tokens and
// admitting provisioning's certificate (env.ServiceTLS("provisioning")) to
// QuotaAdmissionService, with the plans these tests use (free, standard,
// enterprise, isolated: planstest's), and returns its gRPC address. It is
// the one place the quota service is wired into these tests.
func startQuota(ctx context.Context, env *devclusterproc.Env, dir string) (addr string, err error) {
	return "", errors.New("quota service not wired yet")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *stack) login(user, password string) (string, error) {
	resp, err := identityv1.NewAuthServiceClient(s.identity).Login(context.Background(),
		&identityv1.LoginRequest{Username: user, Password: password})
	return resp.GetTokens().GetAccessToken(), err
}

// member makes a user holding role in tenant (no role if tenant is
// empty) and returns a context carrying its token.
func (s *stack) member(t *testing.T, user, tenant string, role identityv1.Role) context.Context {
	t.Helper()
	const pw = "correct horse battery staple"
	if _, err := identityv1.NewUserServiceClient(s.identity).CreateUser(s.admin, &identityv1.CreateUserRequest{
		User: &identityv1.User{Name: user}, Password: pw}); err != nil {
		t.Fatalf("create user %s: %v", user, err)
	}
	if tenant != "" {
		if _, err := identityv1.NewMembershipServiceClient(s.identity).SetMembership(s.admin, &identityv1.SetMembershipRequest{
			Membership: &identityv1.Membership{Tenant: tenant, Subject: "user:" + user, Role: role}}); err != nil {
			t.Fatalf("membership of %s: %v", user, err)
		}
	}
	token, err := s.login(user, pw)
	if err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	return bearer(token)
}

// create makes a tenant as platform admin and waits until it is Active.
func (s *stack) create(t *testing.T, tenant *provisioningv1.Tenant) *provisioningv1.Tenant {
	t.Helper()
	if _, err := s.tenants.CreateTenant(s.admin, &provisioningv1.CreateTenantRequest{Tenant: tenant}); err != nil {
		t.Fatalf("create %s: %v", tenant.GetName(), err)
	}
	return s.waitPhase(t, tenant.GetName(), provisioningv1.Phase_PHASE_ACTIVE)
}

func (s *stack) waitPhase(t *testing.T, name string, phase provisioningv1.Phase) *provisioningv1.Tenant {
	t.Helper()
	var got *provisioningv1.Tenant
	devclustertest.Eventually(t, 60*time.Second, func() error {
		resp, err := s.tenants.GetTenant(s.admin, &provisioningv1.GetTenantRequest{Name: name})
		if err != nil {
			return err
		}
		got = resp.GetTenant()
		if got.GetPhase() != phase || got.GetObservedGeneration() != got.GetGeneration() {
			return fmt.Errorf("tenant %s is %v at generation %d/%d, want %v", name, got.GetPhase(), got.GetObservedGeneration(), got.GetGeneration(), phase)
		}
		return nil
	})
	return got
}

func bearer(token string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
}

func code(t *testing.T, err error, want codes.Code, what string) {
	t.Helper()
	if status.Code(err) != want {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}
