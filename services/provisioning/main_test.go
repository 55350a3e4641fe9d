package provisioning_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	"github.com/landlord-dev/landlord/services/stacktest"
)

func TestMain(m *testing.M) {
	code := devclustertest.Main(m)
	if shared != nil {
		shared.Close(code != 0)
	}
	os.Exit(code)
}

// stack is Landlord running against the dev cluster (stacktest: identity
// in this process, quota and the provisioning operator as binaries, each
// as its own ServiceAccount), with clients to provisioning's API.
type stack struct {
	*stacktest.Stack
	identity     *grpc.ClientConn
	provisioning *grpc.ClientConn
	tenants      provisioningv1.TenantServiceClient
	admin        context.Context // the bootstrap platform admin
}

// startOperator runs the provisioning binary again, leader election and
// all, and points s.tenants at its API.
func (s *stack) startOperator() error {
	if err := s.Provisioning.Start(); err != nil {
		return err
	}
	return s.connect()
}

func (s *stack) connect() error {
	conn, err := s.Dial(s.Provisioning.Addr())
	if err != nil {
		return err
	}
	s.provisioning, s.tenants = conn, provisioningv1.NewTenantServiceClient(conn)
	return nil
}

// killOperator sends SIGKILL: no drain, no lease release.
func (s *stack) killOperator() { s.Provisioning.Kill() }

// stopOperator sends SIGTERM, as Ctrl-C or a rolling update would, and
// waits for the process to exit.
func (s *stack) stopOperator() error {
	defer s.provisioning.Close()
	return s.Provisioning.Stop()
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
	sharedOnce.Do(func() {
		st, err := stacktest.Start(kubeconfig, env, os.TempDir(), stacktest.Options{})
		if err != nil {
			sharedErr = err
			return
		}
		shared = &stack{Stack: st, identity: st.Identity, admin: st.Admin}
		sharedErr = shared.connect()
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

func (s *stack) login(user, password string) (string, error) { return s.Login(user, password) }

// member makes a user holding role in tenant (no role if tenant is
// empty) and returns a context carrying its token.
func (s *stack) member(t *testing.T, user, tenant string, role identityv1.Role) context.Context {
	return s.Member(t, user, tenant, role)
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

func bearer(token string) context.Context { return stacktest.Bearer(token) }

func code(t *testing.T, err error, want codes.Code, what string) {
	t.Helper()
	if status.Code(err) != want {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}
