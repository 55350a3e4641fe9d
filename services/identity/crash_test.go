package identity_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity"
	"github.com/landlord-dev/landlord/services/internal/server"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
)

// identityProcess runs the real identity binary on stateDir.
type identityProcess struct {
	cmd  *exec.Cmd
	conn *grpc.ClientConn
	logs *lockedBuffer
}

// lockedBuffer collects a process's log while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func buildIdentity(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "identity")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/identity").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startProcess starts bin on stateDir, with flags added to the usual ones.
func startProcess(t *testing.T, bin, stateDir, password string, flags ...string) *identityProcess {
	t.Helper()
	devEnv := filepath.Join(filepath.Dir(devclustertest.Kubeconfig(t)), "landlord-dev.json")
	cmd := exec.Command(bin, append([]string{"--state-dir", stateDir, "--devcluster-env", devEnv, "--grpc-addr", "127.0.0.1:0", "--http-addr", ""}, flags...)...)
	cmd.Env = append(os.Environ(), "LANDLORD_BOOTSTRAP_ADMIN_PASSWORD="+password)
	logs, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	collected := &lockedBuffer{}
	addr, err := server.ServingAddr(io.TeeReader(logs, collected))
	if err != nil {
		t.Fatal(err)
	}
	return &identityProcess{cmd: cmd, conn: devclustertest.Dial(t, addr), logs: collected}
}

// TestAcknowledgedWritesSurviveKill9 creates users as fast as the real
// binary acknowledges them, kills it with SIGKILL mid-stream, restarts it
// on the same state, and finds every acknowledged user.
func TestAcknowledgedWritesSurviveKill9(t *testing.T) {
	bin := buildIdentity(t)
	state := t.TempDir()
	const password = "bootstrap password for the crash test"
	first := startProcess(t, bin, state, password)
	login := func(p *identityProcess) context.Context {
		resp, err := identityv1.NewAuthServiceClient(p.conn).Login(context.Background(),
			&identityv1.LoginRequest{Username: identity.BootstrapAdmin, Password: password})
		if err != nil {
			t.Fatal(err)
		}
		return bearer(resp.GetTokens().GetAccessToken())
	}
	admin := login(first)

	acked := make(chan string, 10000)
	go func() {
		defer close(acked)
		users := identityv1.NewUserServiceClient(first.conn)
		for i := 0; i < 5000; i++ {
			name := fmt.Sprintf("crash-%04d", i)
			if _, err := users.CreateUser(admin, &identityv1.CreateUserRequest{User: &identityv1.User{Name: name}}); err != nil {
				return // the server died under us
			}
			acked <- name
		}
	}()
	var names []string
	for name := range acked {
		names = append(names, name)
		if len(names) == 200 {
			if err := first.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
		}
	}
	_ = first.cmd.Wait()
	if len(names) < 200 {
		t.Fatalf("only %d writes acknowledged before the kill", len(names))
	}

	second := startProcess(t, bin, state, password)
	ctx, cancel := context.WithTimeout(login(second), 30*time.Second)
	defer cancel()
	present := map[string]bool{}
	users := identityv1.NewUserServiceClient(second.conn)
	for token := ""; ; {
		page, err := users.ListUsers(ctx, &identityv1.ListUsersRequest{PageSize: 1000, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.GetUsers() {
			present[u.GetName()] = true
		}
		if token = page.GetNextPageToken(); token == "" {
			break
		}
	}
	for _, name := range names {
		if !present[name] {
			t.Errorf("acknowledged user %s lost after kill -9", name)
		}
	}
	t.Logf("%d acknowledged users survived kill -9", len(names))
	for _, p := range []*identityProcess{first, second} {
		if log := p.logs.String(); strings.Contains(log, password) || !strings.Contains(log, "bootstrap") && p == first {
			t.Errorf("bootstrap password in the log, or no word of the bootstrap:\n%s", log)
		}
	}
}
