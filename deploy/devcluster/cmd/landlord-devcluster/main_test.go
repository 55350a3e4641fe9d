package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func admin(t *testing.T, stateDir string) kubernetes.Interface {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(stateDir, "admin.kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	return kubernetes.NewForConfigOrDie(cfg)
}

// binary builds this command once per test run (from the build cache).
func binary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "landlord-devcluster")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// up starts `up` on free ports and waits for the ready line.
func up(t *testing.T, bin, stateDir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "up", "--state-dir", stateDir, "--free-ports")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "Dev cluster is ready") {
			go func() {
				for lines.Scan() {
				}
			}()
			return cmd
		}
	}
	t.Fatalf("dev cluster did not become ready; logs in %s", stateDir)
	return nil
}

// components lists the pids of component processes running for stateDir.
func components(t *testing.T, stateDir string) []string {
	t.Helper()
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var pids []string
	for _, p := range procs {
		cmdline, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		args := strings.Split(string(cmdline), "\x00")
		if len(args) > 1 && args[1] == "component" && strings.Contains(string(cmdline), stateDir) {
			pids = append(pids, filepath.Base(filepath.Dir(p)))
		}
	}
	return pids
}

func waitNoComponents(t *testing.T, stateDir string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if len(components(t, stateDir)) == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("components still running after %s: %v", within, components(t, stateDir))
}

// TestLifecycle checks what a user of `up` relies on: a second supervisor
// on the same state is refused, SIGTERM stops every component, a restart
// resumes the same cluster, and kill -9 of the supervisor leaves no orphans.
func TestLifecycle(t *testing.T) {
	bin := binary(t)
	stateDir := t.TempDir()

	first := up(t, bin, stateDir)
	if n := len(components(t, stateDir)); n != 3 {
		t.Fatalf("%d component processes, want 3", n)
	}
	kube := admin(t, stateDir)
	ctx := context.Background()
	marker := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "survives-restart"}}
	if _, err := kube.CoreV1().ConfigMaps("default").Create(ctx, marker, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "up", "--state-dir", stateDir, "--free-ports").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "in use by another landlord-devcluster") {
		t.Errorf("second up on the same state: %v\n%s", err, out)
	}

	if err := first.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := first.Wait(); err != nil {
		t.Errorf("up after SIGTERM exited with %v", err)
	}
	waitNoComponents(t, stateDir, time.Second)

	ca, err := os.ReadFile(filepath.Join(stateDir, "pki", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	second := up(t, bin, stateDir)
	if again, _ := os.ReadFile(filepath.Join(stateDir, "pki", "ca.crt")); string(again) != string(ca) {
		t.Error("restart replaced the cluster's CA; want the existing state resumed")
	}
	// The kubeconfig was rewritten for the new ports; the data is the old one.
	if _, err := admin(t, stateDir).CoreV1().ConfigMaps("default").Get(ctx, marker.Name, metav1.GetOptions{}); err != nil {
		t.Errorf("object from before the restart: %v", err)
	}
	if err := second.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = second.Wait()
	waitNoComponents(t, stateDir, 5*time.Second)
}
