package quickstart

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/devclusterproc"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
)

const (
	annPassword = "ann's long passphrase 1"
	evePassword = "eve's long passphrase 2"
)

// TestQuickStart is the README's quick start, the way a newcomer runs it:
// `make run` (every listener on a free port, beside any other run), the
// three commands it prints, then a platform admin's and a member's day
// over gRPC and over REST with the same outcomes, kubectl through
// landlordctl's kubeconfig, Ctrl-C, and a second `make run` that resumes.
func TestQuickStart(t *testing.T) {
	root, err := devclusterproc.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "landlord")
	ll := makeRun(t, root, state)

	home := t.TempDir()
	t.Run("the printed commands work as printed", func(t *testing.T) {
		lines := ll.tryIt(t)
		for _, line := range lines[:2] {
			if out, err := ll.shell(home, line); err != nil {
				t.Fatalf("%s: %v\n%s", line, err, out)
			}
		}
		// The API server picks up identity's keys within 10 s of its
		// start: kubectl may need one more try that soon.
		devclustertest.Eventually(t, 60*time.Second, func() error {
			out, err := ll.shell(home, lines[2])
			if err != nil {
				return fmt.Errorf("%s: %v\n%s", lines[2], err, out)
			}
			return nil
		})
	})

	// The admin's setup: a plan of the team's own and two users.
	grpcT := newGRPCTransport(t, ll.env["LANDLORD_CA"], map[string]string{
		"landlord.identity.v1": ll.env["LANDLORD_IDENTITY"], "landlord.provisioning.v1": ll.env["LANDLORD_PROVISIONING"],
		"landlord.quota.v1": ll.env["LANDLORD_QUOTA"], "landlord.observability.v1": ll.env["LANDLORD_OBSERVABILITY"]})
	restT := newRESTTransport(t, ll.env["LANDLORD_CA"], ll.env["LANDLORD_GATEWAY"])
	admin := ll.adminToken(t, grpcT)
	ctx := context.Background()
	std := &quotav1.GetPlanResponse{}
	if st := grpcT.call(ctx, "/landlord.quota.v1.PlanService/GetPlan", admin, &quotav1.GetPlanRequest{Name: "standard"}, std); st.Err() != nil {
		t.Fatal(st.Err())
	}
	plan := std.GetPlan()
	plan.Name, plan.Description, plan.Etag = "team", "The quick start's plan: standard, for one team", ""
	if st := grpcT.call(ctx, "/landlord.quota.v1.PlanService/CreatePlan", admin, &quotav1.CreatePlanRequest{Plan: plan}, &quotav1.CreatePlanResponse{}); st.Err() != nil {
		t.Fatal(st.Err())
	}
	for user, pw := range map[string]string{"ann": annPassword, "eve": evePassword} {
		if st := grpcT.call(ctx, "/landlord.identity.v1.UserService/CreateUser", admin,
			&identityv1.CreateUserRequest{User: &identityv1.User{Name: user}, Password: pw}, &identityv1.CreateUserResponse{}); st.Err() != nil {
			t.Fatal(st.Err())
		}
	}

	t.Run("gRPC and REST give the same outcomes", func(t *testing.T) {
		var runs []*world
		for _, tr := range []transport{grpcT, restT} {
			w := &world{t: t, tr: tr, admin: admin, tenant: "shop-" + strings.ToLower(tr.name()), other: "acme", got: map[string]outcome{}, again: map[string]func(transport) outcome{}}
			w.run("team")
			runs = append(runs, w)
		}
		g, r := runs[0], runs[1]
		for _, step := range g.seen {
			if g.got[step] == r.got[step] {
				continue
			}
			if again := g.again[step]; again != nil {
				// The gRPC run's tenant, read both ways; a recount may land
				// between two reads, so a few tries.
				devclustertest.Eventually(t, 30*time.Second, func() error {
					if a, b := again(grpcT), again(restT); a != b {
						return fmt.Errorf("%s, the same tenant:\n  gRPC: %+v\n  REST: %+v", step, a, b)
					}
					return nil
				})
				continue
			}
			t.Errorf("%s:\n  gRPC: %+v\n  REST: %+v", step, g.got[step], r.got[step])
		}
	})

	t.Run("a member uses kubectl in her tenant only", func(t *testing.T) {
		ann := t.TempDir()
		ctl := func(args ...string) (string, error) {
			return ll.run(ann, append([]string{"bin/landlordctl", "--config-dir", filepath.Join(ann, "landlord")}, args...)...)
		}
		kubeconfig := filepath.Join(ann, "kubeconfig")
		kubectl := func(args ...string) (string, error) {
			return ll.run(ann, append([]string{"bin/kubectl", "--kubeconfig", kubeconfig}, args...)...)
		}
		login := append([]string{"login", "-u", "ann", "--password-stdin"}, ll.loginFlags()...)
		if out, err := ll.runIn(ann, annPassword, append([]string{"bin/landlordctl", "--config-dir", filepath.Join(ann, "landlord")}, login...)...); err != nil {
			t.Fatalf("landlordctl login: %v\n%s", err, out)
		}
		if out, err := ctl("kubeconfig", "--tenant", "shop-grpc", "--kubeconfig", kubeconfig); err != nil {
			t.Fatalf("landlordctl kubeconfig: %v\n%s", err, out)
		}
		if out, err := kubectl("create", "deployment", "web", "--image", "registry.k8s.io/pause:3.10"); err != nil {
			t.Errorf("a Deployment in her tenant's namespace: %v\n%s", err, out)
		}
		if out, err := kubectl("-n", "acme-web", "create", "deployment", "web", "--image", "registry.k8s.io/pause:3.10"); err == nil || !strings.Contains(out, "forbidden") {
			t.Errorf("a Deployment in another tenant's namespace: %v\n%s, want Forbidden", err, out)
		}
		devclustertest.Eventually(t, 60*time.Second, func() error {
			out, err := ctl("usage", "get", "shop-grpc", "-o", "json")
			var u observabilityv1.TenantUsage
			if err == nil {
				err = unmarshalCLI(out, &u)
			}
			if err == nil && u.GetTotal().GetObjects().GetDeployments() != 1 {
				err = fmt.Errorf("usage shows %d Deployments, want 1", u.GetTotal().GetObjects().GetDeployments())
			}
			return err
		})
		out, err := ctl("quota", "get", "shop-grpc", "-o", "json")
		var q quotav1.TenantQuota
		if err == nil {
			err = unmarshalCLI(out, &q)
		}
		if err != nil || q.GetPlan() != "team" {
			t.Errorf("landlordctl quota get: %v, plan %q, want team\n%s", err, q.GetPlan(), out)
		}
	})

	t.Run("Ctrl-C stops everything and the next make run resumes", func(t *testing.T) {
		ll.interrupt(t)
		ll = makeRun(t, root, state)
		grpcT := newGRPCTransport(t, ll.env["LANDLORD_CA"], map[string]string{
			"landlord.identity.v1": ll.env["LANDLORD_IDENTITY"], "landlord.provisioning.v1": ll.env["LANDLORD_PROVISIONING"]})
		w := &world{t: t, tr: grpcT, tenant: "shop-grpc", got: map[string]outcome{}, again: map[string]func(transport) outcome{}}
		login := &identityv1.LoginResponse{}
		w.want("ann logs in after the restart", w.do("ann logs in after the restart", "/landlord.identity.v1.AuthService/Login", "",
			&identityv1.LoginRequest{Username: "ann", Password: annPassword}, login), codes.OK)
		out, err := ll.run(t.TempDir(), "bin/kubectl", "--kubeconfig", ll.env["LANDLORD_ADMIN_KUBECONFIG"], "-n", "shop-grpc-web", "get", "deployment", "web")
		if err != nil {
			t.Errorf("ann's Deployment after the restart: %v\n%s", err, out)
		}
	})
}

// unmarshalCLI reads landlordctl's -o json (protojson) into m.
func unmarshalCLI(out string, m proto.Message) error {
	return protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal([]byte(out), m)
}

// landlord is one `make run`.
type landlord struct {
	root    string
	state   string
	cmd     *exec.Cmd
	out     *syncBuffer
	done    chan error
	env     map[string]string // endpoints.env
	stopped bool
}

// makeRun starts `make run` in its own process group, as a terminal
// would, and waits for "Landlord is running".
func makeRun(t *testing.T, root, state string) *landlord {
	t.Helper()
	ll := &landlord{root: root, state: state, out: &syncBuffer{}, done: make(chan error, 1)}
	ll.cmd = exec.Command("make", "--no-print-directory", "run", "STATE_DIR="+state, "FREE_PORTS=1")
	ll.cmd.Dir = root
	// $KUBECONFIG stays as the caller's shell has it (make test's cluster):
	// make run must drive its own dev cluster all the same.
	ll.cmd.Env = cleanEnv(os.Environ(), "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
	ll.cmd.Stdout, ll.cmd.Stderr = ll.out, ll.out
	ll.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := ll.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { ll.done <- ll.cmd.Wait() }()
	t.Cleanup(func() { ll.interrupt(t) })
	deadline := time.After(10 * time.Minute) // the first run builds every binary
	for !strings.Contains(ll.out.String(), "Landlord is running") {
		select {
		case err := <-ll.done:
			ll.done <- err
			t.Fatalf("make run exited: %v\n%s", err, ll.out)
		case <-deadline:
			t.Fatalf("make run not ready after 10 minutes:\n%s", ll.out)
		case <-time.After(200 * time.Millisecond):
		}
	}
	ll.env = readEnv(t, filepath.Join(state, "endpoints.env"))
	ll.env["LANDLORD_ADMIN_KUBECONFIG"] = filepath.Join(state, "devcluster", "admin.kubeconfig")
	return ll
}

// interrupt is Ctrl-C: SIGINT to the process group; everything must be
// gone within a minute, the endpoints file with it.
func (ll *landlord) interrupt(t *testing.T) {
	if ll.stopped {
		return
	}
	ll.stopped = true
	_ = syscall.Kill(-ll.cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-ll.done:
	case <-time.After(time.Minute):
		_ = syscall.Kill(-ll.cmd.Process.Pid, syscall.SIGKILL)
		t.Errorf("make run still running a minute after Ctrl-C:\n%s", ll.out)
		<-ll.done
	}
	if !strings.Contains(ll.out.String(), "Stopping Landlord") {
		t.Errorf("make run did not stop its components:\n%s", ll.out)
	}
	if _, err := os.Stat(filepath.Join(ll.state, "endpoints.env")); !os.IsNotExist(err) {
		t.Errorf("endpoints.env outlived make run: %v", err)
	}
}

// tryIt is the commands make run printed under "Try it".
func (ll *landlord) tryIt(t *testing.T) []string {
	t.Helper()
	var lines []string
	in := false
	sc := bufio.NewScanner(strings.NewReader(ll.out.String()))
	for sc.Scan() {
		switch line := sc.Text(); {
		case strings.HasPrefix(line, "Try it:"):
			in = true
		case in && strings.HasPrefix(line, "  "):
			lines = append(lines, strings.TrimSpace(line))
		case in:
			in = false
		}
	}
	if len(lines) != 3 {
		t.Fatalf("want three commands to try, got %q in:\n%s", lines, ll.out)
	}
	return lines
}

// shell runs a printed command line with bash from the repository, as
// a newcomer whose home is home (landlordctl's config, ~/.kube/config).
func (ll *landlord) shell(home, line string) (string, error) {
	return ll.run(home, "bash", "-euo", "pipefail", "-c", line)
}

func (ll *landlord) run(home string, args ...string) (string, error) {
	return ll.runIn(home, "", args...)
}

func (ll *landlord) runIn(home, stdin string, args ...string) (string, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = ll.root
	cmd.Env = append(cleanEnv(os.Environ(), "KUBECONFIG", "LANDLORD_CONFIG_DIR", "XDG_CONFIG_HOME", "HOME"), "HOME="+home)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// loginFlags are landlordctl login's flags for this run's endpoints.
func (ll *landlord) loginFlags() []string {
	return []string{"--identity", ll.env["LANDLORD_IDENTITY"], "--provisioning", ll.env["LANDLORD_PROVISIONING"],
		"--quota", ll.env["LANDLORD_QUOTA"], "--observability", ll.env["LANDLORD_OBSERVABILITY"],
		"--ca", ll.env["LANDLORD_CA"], "--devcluster-env", ll.env["LANDLORD_DEVCLUSTER_ENV"]}
}

// adminToken logs in the bootstrap admin with the password where make
// run said it is.
func (ll *landlord) adminToken(t *testing.T, tr transport) string {
	t.Helper()
	data, err := os.ReadFile(ll.env["LANDLORD_ADMIN_PASSWORD_FILE"])
	if err != nil {
		t.Fatal(err)
	}
	var pw string
	for _, line := range strings.Split(string(data), "\n") {
		if p, ok := strings.CutPrefix(line, "password: "); ok {
			pw = p
		}
	}
	resp := &identityv1.LoginResponse{}
	if st := tr.call(context.Background(), "/landlord.identity.v1.AuthService/Login", "", &identityv1.LoginRequest{Username: "admin", Password: pw}, resp); st.Err() != nil {
		t.Fatal(st.Err())
	}
	return resp.GetTokens().GetAccessToken()
}

func readEnv(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = v
		}
	}
	return env
}

func cleanEnv(env []string, drop ...string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, k) {
			out = append(out, kv)
		}
	}
	return out
}

// syncBuffer is make run's output, written by its process and read by
// the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
