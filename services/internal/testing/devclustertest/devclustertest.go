// Package devclustertest gives integration tests a real Kubernetes control
// plane: the dev cluster named by $LANDLORD_KUBECONFIG (as `make test`
// provides), or else one it starts for the test binary and stops after it.
//
//	func TestMain(m *testing.M) { os.Exit(devclustertest.Main(m)) }
//
// Tests share the cluster, so each works in namespaces of its own.
package devclustertest

import (
	"fmt"
	"os"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/internal/devclusterproc"
)

// KubeconfigEnv names the admin kubeconfig of a running dev cluster.
const KubeconfigEnv = "LANDLORD_KUBECONFIG"

var kubeconfig string // set by Main

// Main runs m against a dev cluster and returns its exit code.
func Main(m *testing.M) int {
	if path := os.Getenv(KubeconfigEnv); path != "" {
		kubeconfig = path
		return m.Run()
	}
	c, err := devclusterproc.Start("")
	if err != nil {
		fmt.Fprintln(os.Stderr, "devclustertest:", err)
		return 1
	}
	defer c.Stop()
	kubeconfig = c.Kubeconfig
	return m.Run()
}

// Kubeconfig is the path of the cluster-admin kubeconfig.
func Kubeconfig(t testing.TB) string {
	t.Helper()
	if kubeconfig == "" {
		t.Fatal("devclustertest: no cluster; call devclustertest.Main from TestMain")
	}
	return kubeconfig
}

// AdminConfig is a cluster-admin client configuration with client-side
// rate limits off, so tests measure the API server and not the client.
func AdminConfig(t testing.TB) *rest.Config {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", Kubeconfig(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.QPS, cfg.Burst = -1, 0
	return cfg
}

// Admin is a cluster-admin clientset.
func Admin(t testing.TB) kubernetes.Interface {
	t.Helper()
	return kubernetes.NewForConfigOrDie(AdminConfig(t))
}

// Env describes the cluster: API server, CA, and identity's issuer address.
func Env(t testing.TB) *devclusterproc.Env {
	t.Helper()
	env, err := devclusterproc.ReadEnv(Kubeconfig(t))
	if err != nil {
		t.Fatalf("devclustertest: %v", err)
	}
	return env
}

// Eventually polls check until it returns nil, failing the test with the
// last error after timeout. The cluster's controllers and caches converge
// asynchronously; tests wait for them instead of sleeping.
func Eventually(t testing.TB, timeout time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Dial connects to a Landlord service of the dev cluster over TLS, trusting
// Landlord's CA, as a user's client does (it presents no certificate).
func Dial(t testing.TB, addr string) *grpc.ClientConn {
	t.Helper()
	tlsCfg, err := certs.Client(Env(t).ClientTLS())
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}
