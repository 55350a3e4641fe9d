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
	id, err := startIdentity(ctx, identityBin, devEnv)
	if err != nil {
		return err
	}
	defer id.stop()
	addr, password := id.addr, id.password
	token, err := id.adminToken(ctx)
	if err != nil {
		return err
	}
	auth := map[string]string{"authorization": "Bearer " + token}

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
	checkData := fmt.Sprintf(`{"token":%q,"tenant":"acme","permission":"PERMISSION_TENANT_GET"}`, token)
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

// identityProcess is bin/identity serving the dev cluster's issuer, with a
// bootstrap admin whose password only this process knows.
type identityProcess struct {
	addr, password string
	conn           *grpc.ClientConn
	stop           func()
}

func startIdentity(ctx context.Context, identityBin, devEnv string) (*identityProcess, error) {
	state, err := os.MkdirTemp("", "landlord-bench-identity-")
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	p := &identityProcess{password: hex.EncodeToString(secret)}
	cmd := exec.CommandContext(ctx, identityBin, "--state-dir", state, "--devcluster-env", devEnv,
		"--grpc-addr", "127.0.0.1:0", "--http-addr", "")
	cmd.Env = append(os.Environ(), "LANDLORD_BOOTSTRAP_ADMIN_PASSWORD="+p.password)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	logs, err := cmd.StderrPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		_ = os.RemoveAll(state)
		return nil, err
	}
	p.stop = func() {
		if p.conn != nil {
			p.conn.Close()
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		_ = os.RemoveAll(state)
	}
	if p.addr, err = server.ServingAddr(logs); err == nil {
		p.conn, err = grpc.NewClient(p.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	if err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// adminToken logs the bootstrap admin in.
func (p *identityProcess) adminToken(ctx context.Context) (string, error) {
	resp, err := identityv1.NewAuthServiceClient(p.conn).Login(ctx, &identityv1.LoginRequest{Username: "admin", Password: p.password})
	return resp.GetTokens().GetAccessToken(), err
}
