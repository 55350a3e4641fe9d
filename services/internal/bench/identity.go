package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/internal/server"
)

// Identity starts bin/identity against the dev cluster env file and measures
// token verification (WhoAmI: authentication and a trivial handler) and
// Check against GetInfo (public, no-op) on the same server, and logins per
// second. Each client presents one token, so verification is the cached
// path; BenchmarkVerify in identity/internal/signing measures the uncached.
func Identity(ctx context.Context, w io.Writer, identityBin, devEnv string) error {
	state, err := os.MkdirTemp("", "landlord-bench-identity-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(state)
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	password := hex.EncodeToString(secret)

	cmd := exec.CommandContext(ctx, identityBin, "--state-dir", state, "--devcluster-env", devEnv,
		"--grpc-addr", "127.0.0.1:0", "--http-addr", "")
	cmd.Env = append(os.Environ(), "LANDLORD_BOOTSTRAP_ADMIN_PASSWORD="+password)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	logs, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	addr, err := server.ServingAddr(logs)
	if err != nil {
		return err
	}

	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	login, err := identityv1.NewAuthServiceClient(conn).Login(ctx, &identityv1.LoginRequest{Username: "admin", Password: password})
	if err != nil {
		return err
	}
	auth := map[string]string{"authorization": "Bearer " + login.GetTokens().GetAccessToken()}

	const calls, workers = 20000, 50
	if _, err := Ghz(ctx, addr, "landlord.meta.v1.InfoService.GetInfo", "{}", nil, workers, 2000); err != nil { // warm up
		return err
	}
	noop, err := Ghz(ctx, addr, "landlord.meta.v1.InfoService.GetInfo", "{}", nil, workers, calls)
	if err != nil {
		return err
	}
	whoami, err := Ghz(ctx, addr, "landlord.identity.v1.AuthService.WhoAmI", "{}", auth, workers, calls)
	if err != nil {
		return err
	}
	checkData := fmt.Sprintf(`{"token":%q,"tenant":"acme","permission":"PERMISSION_TENANT_GET"}`, login.GetTokens().GetAccessToken())
	check, err := Ghz(ctx, addr, "landlord.identity.v1.AuthorizationService.Check", checkData, auth, workers, calls)
	if err != nil {
		return err
	}
	loginData := fmt.Sprintf(`{"username":"admin","password":%q}`, password)
	logins, err := Ghz(ctx, addr, "landlord.identity.v1.AuthService.Login", loginData, nil, 4, 60)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "bench-identity: ghz against bin/identity on loopback, %d workers\n", workers)
	PrintGhz(w, "GetInfo (no-op baseline)", noop)
	PrintGhz(w, "WhoAmI (token verification)", whoami)
	Row(w, "verification / no-op throughput", fmt.Sprintf("%.2f  (goal >= 0.7)", whoami.Rps/noop.Rps))
	PrintGhz(w, "Check (token principal)", check)
	Row(w, "Check / no-op throughput", fmt.Sprintf("%.2f  (goal >= 0.7)", check.Rps/noop.Rps))
	PrintGhz(w, "Login (argon2id m=64MiB t=3 p=2)", logins)
	return nil
}
