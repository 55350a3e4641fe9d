package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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
	// Checked here rather than in a test of their own: a cluster is up.
	t.Run("ExternalIPsRefused", func(t *testing.T) { externalIPsRefused(t, kube) })
	t.Run("ServiceAccountTokensShortLived", func(t *testing.T) { serviceAccountTokensShortLived(t, kube) })

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

// externalIPsRefused: a Service with spec.externalIPs could intercept
// traffic to those addresses cluster-wide (CVE-2020-8554), so the API
// server refuses it, even to a cluster admin.
func externalIPsRefused(t *testing.T, kube kubernetes.Interface) {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "hijack"},
		Spec: corev1.ServiceSpec{
			Ports:       []corev1.ServicePort{{Port: 80}},
			ExternalIPs: []string{"203.0.113.10"},
		},
	}
	_, err := kube.CoreV1().Services("default").Create(context.Background(), svc, metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) || !strings.Contains(strings.ToLower(err.Error()), "external ip") {
		t.Errorf("Service with externalIPs: %v, want Forbidden naming external IPs", err)
	}
	// The honest use still works.
	svc.Name, svc.Spec.ExternalIPs = "honest", nil
	if _, err := kube.CoreV1().Services("default").Create(context.Background(), svc, metav1.CreateOptions{}); err != nil {
		t.Errorf("Service without externalIPs: %v", err)
	}
}

// serviceAccountTokensShortLived: a TokenRequest for a year gets a token
// that expires within the hour, and so does the pod-bound request for
// 3607s a kubelet makes for projected tokens, which the API server would
// otherwise extend to a year.
func serviceAccountTokensShortLived(t *testing.T, kube kubernetes.Interface) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "token-lifetime"}}
	if _, err := kube.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	year := int64(365 * 24 * 60 * 60)
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &year}}
	// The controller-manager makes the namespace's default ServiceAccount
	// shortly after the namespace.
	var tr *authenticationv1.TokenRequest
	for {
		var err error
		requested := time.Now()
		tr, err = kube.CoreV1().ServiceAccounts(ns.Name).CreateToken(ctx, "default", req, metav1.CreateOptions{})
		if err == nil {
			if left := tr.Status.ExpirationTimestamp.Sub(requested); left <= 0 || left > time.Hour+time.Minute {
				t.Errorf("token requested for a year expires in %s, want at most 1h", left)
			}
			break
		}
		if !apierrors.IsNotFound(err) || ctx.Err() != nil {
			t.Fatalf("TokenRequest for default in %s: %v", ns.Name, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if life := tokenLifetime(t, tr.Status.Token); life > time.Hour {
		t.Errorf("token requested for a year: exp - iat = %s, want at most 1h", life)
	}

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "token-holder"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10"}}},
	}
	pod, err := kube.CoreV1().Pods(ns.Name).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	kubelet := int64(60*60 + 7)
	req = &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		ExpirationSeconds: &kubelet,
		BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
	}}
	tr, err = kube.CoreV1().ServiceAccounts(ns.Name).CreateToken(ctx, "default", req, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if life := tokenLifetime(t, tr.Status.Token); life > time.Hour {
		t.Errorf("pod-bound token requested for %ds: exp - iat = %s, want at most 1h", kubelet, life)
	}
}

// tokenLifetime is exp - iat of a JWT: what counts is the claim the token
// carries, not only the status the API server reports.
func tokenLifetime(t *testing.T, token string) time.Duration {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token is not a JWT: %d parts", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Exp int64 `json:"exp"`
		Iat int64 `json:"iat"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	life := time.Duration(claims.Exp-claims.Iat) * time.Second
	if life <= 0 {
		t.Fatalf("token's exp - iat = %s", life)
	}
	return life
}
