package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/devclusterproc"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	"github.com/landlord-dev/landlord/services/landlordctl/cli"
	"github.com/landlord-dev/landlord/services/landlordctl/errmap"
	"github.com/landlord-dev/landlord/services/quota/bench"
	"github.com/landlord-dev/landlord/services/stacktest"
)

var stack *stacktest.Stack

func TestMain(m *testing.M) {
	ctrllog.SetLogger(logr.Discard()) // stacktest's RBAC client would warn with a stack trace
	code := devclustertest.Main(m)
	if stack != nil {
		stack.Close(code != 0)
	}
	os.Exit(code)
}

var (
	stackOnce sync.Once
	stackErr  error
)

// start runs the package's stack, once, with identity where the cluster
// trusts it.
func start(t *testing.T) *stacktest.Stack {
	t.Helper()
	stackOnce.Do(func() {
		stack, stackErr = stacktest.Start(devclustertest.Kubeconfig(t), devclustertest.Env(t), os.TempDir(),
			stacktest.Options{IdentityAtClusterIssuer: true, Observability: true})
	})
	if stackErr != nil {
		t.Fatal(stackErr)
	}
	return stack
}

// login logs user in with landlordctl into a config directory of its
// own, and returns the flag naming it.
func login(t *testing.T, s *stacktest.Stack, user, password string) []string {
	t.Helper()
	conf := []string{"--config-dir", filepath.Join(t.TempDir(), "landlord")}
	out, err := ctl(t, password, append(conf, "login", "-u", user, "--password-stdin",
		"--identity", s.Identity.Target(), "--provisioning", s.Provisioning.Addr(), "--quota", s.Quota.Addr(), "--observability", s.Observability.Addr(),
		"--ca", s.Env.Landlord.CACert, "--devcluster-env", filepath.Join(filepath.Dir(s.Kubeconfig), "landlord-dev.json"))...)
	if err != nil {
		t.Fatalf("login %s: %v\n%s", user, err, out)
	}
	return conf
}

// tenant creates a tenant with namespace "dev" as the platform admin,
// waits for it to be active and returns its cluster namespace.
func tenant(t *testing.T, s *stacktest.Stack, name string) string {
	t.Helper()
	conn, err := s.Dial(s.Provisioning.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := provisioningv1.NewTenantServiceClient(conn)
	if err := bench.CreateTenant(s.Admin, c, name, "standard", "dev"); err != nil {
		t.Fatal(err)
	}
	resp, err := c.GetTenant(s.Admin, &provisioningv1.GetTenantRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetTenant().GetNamespaces()[0].GetClusterName()
}

// ctl runs landlordctl in this process with args and stdin, as its main
// does, returning its output and its error line.
func ctl(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	return ctlCtx(context.Background(), stdin, args...)
}

// ctlCtx is ctl for commands that run until ctx ends (watch).
func ctlCtx(ctx context.Context, stdin string, args ...string) (string, error) {
	var out bytes.Buffer
	root := cli.New(strings.NewReader(stdin), &out, &out)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		return out.String(), fmt.Errorf("%s", errmap.Line(err))
	}
	return out.String(), nil
}

// buildCtl builds the landlordctl binary kubectl runs as its credential
// plugin.
func buildCtl(t *testing.T, dir string) string {
	t.Helper()
	root, err := devclusterproc.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "landlordctl")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/landlordctl")
	cmd.Dir = filepath.Join(root, "services")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build landlordctl: %v\n%s", err, out)
	}
	return bin
}

// kubectl is the repository's bin/kubectl (make build), same version as
// the API server.
func kubectl(t *testing.T) string {
	t.Helper()
	root, err := devclusterproc.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "bin", "kubectl")
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("no %s: run make build", bin)
	}
	return bin
}
