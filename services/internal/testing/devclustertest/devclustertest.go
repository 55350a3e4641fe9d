// Package devclustertest gives integration tests a real Kubernetes control
// plane: the dev cluster named by $LANDLORD_KUBECONFIG (as `make test`
// provides), or else one it starts for the test binary and stops after it.
//
//	func TestMain(m *testing.M) { os.Exit(devclustertest.Main(m)) }
//
// Tests share the cluster, so each works in namespaces of its own.
package devclustertest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
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
	stop, path, err := start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "devclustertest:", err)
		return 1
	}
	defer stop()
	kubeconfig = path
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

// start runs `landlord-devcluster up` on free ports in a temporary state
// directory and waits for it to be ready.
func start() (stop func(), kubeconfig string, err error) {
	bin, err := devclusterBinary()
	if err != nil {
		return nil, "", err
	}
	stateDir, err := os.MkdirTemp("", "landlord-devcluster-")
	if err != nil {
		return nil, "", err
	}
	ports, err := freePorts(4)
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command(bin, "up", "--state-dir", stateDir,
		"--etcd-port", ports[0], "--etcd-peer-port", ports[1],
		"--apiserver-port", ports[2], "--controller-manager-port", ports[3])
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		_ = os.RemoveAll(stateDir)
	}
	lines := bufio.NewScanner(out)
	var seen []string
	for lines.Scan() {
		seen = append(seen, lines.Text())
		if strings.HasPrefix(lines.Text(), "Dev cluster is ready") {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return stop, filepath.Join(stateDir, "admin.kubeconfig"), nil
		}
	}
	stop()
	return nil, "", fmt.Errorf("dev cluster did not start:\n%s", strings.Join(seen, "\n"))
}

// devclusterBinary finds bin/landlord-devcluster at the repository root,
// building it (from the Go build cache, normally) when it is missing.
func devclusterBinary() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(root, "bin", "landlord-devcluster")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	start := time.Now()
	build := exec.Command("go", "build", "-o", bin, "./cmd/landlord-devcluster")
	build.Dir = filepath.Join(root, "deploy", "devcluster")
	build.Env = append(os.Environ(), "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building landlord-devcluster: %v\n%s", err, out)
	}
	fmt.Fprintf(os.Stderr, "devclustertest: built %s in %s\n", bin, time.Since(start).Round(time.Second))
	return bin, nil
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.work above the working directory")
		}
		dir = parent
	}
}

func freePorts(n int) ([]string, error) {
	var ports []string
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		listeners = append(listeners, l)
		ports = append(ports, strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	}
	return ports, nil
}
