package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	shared "github.com/landlord-dev/landlord/services/internal/bench"
	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/internal/devclusterproc"
)

// Process is bin/identity serving the dev cluster's issuer, with a
// bootstrap admin whose password only this process knows.
type Process struct {
	Addr     string // gRPC on loopback
	CA       string // the CA of its TLS certificate; "" if plaintext
	password string
	state    string
	proc     *shared.Process
	conn     *grpc.ClientConn
}

// Start starts identityBin with a fresh state directory, trusted by the
// dev cluster whose env file (landlord-dev.json) is devEnv, serving gRPC
// on a free loopback port: over TLS with the dev cluster's certificate for
// identity, or in plaintext.
func Start(ctx context.Context, identityBin, devEnv string, plaintext bool) (*Process, error) {
	state, err := os.MkdirTemp("", "landlord-bench-identity-")
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	p := &Process{password: hex.EncodeToString(secret), state: state}
	var line []byte
	// Rate limits off: the benchmark measures logins, not the limiter.
	args := []string{"--state-dir", state, "--devcluster-env", devEnv, "--grpc-addr", "127.0.0.1:0", "--http-addr", "",
		"--signin-rate-per-address", "0", "--login-rate-per-account", "0"}
	if plaintext {
		args = append(args, "--api-plaintext")
	}
	p.proc, line, err = shared.StartProcess(ctx, identityBin, args,
		[]string{"LANDLORD_BOOTSTRAP_ADMIN_PASSWORD=" + p.password}, "serving")
	if err != nil {
		_ = os.RemoveAll(state)
		return nil, err
	}
	var serving struct{ GRPC string }
	if err = json.Unmarshal(line, &serving); err == nil && serving.GRPC == "" {
		err = errors.New("identity serves no gRPC")
	}
	if err == nil {
		p.Addr = serving.GRPC
		p.conn, err = p.dial(devEnv, plaintext)
	}
	if err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

func (p *Process) dial(devEnv string, plaintext bool) (*grpc.ClientConn, error) {
	creds := insecure.NewCredentials()
	if !plaintext {
		env, err := devclusterproc.ReadEnvFile(devEnv)
		if err != nil {
			return nil, err
		}
		tlsCfg, err := certs.Client(env.ClientTLS())
		if err != nil {
			return nil, err
		}
		p.CA, creds = env.Landlord.CACert, credentials.NewTLS(tlsCfg)
	}
	return grpc.NewClient(p.Addr, grpc.WithTransportCredentials(creds))
}

// AdminToken logs the bootstrap admin, a platform admin, in.
func (p *Process) AdminToken(ctx context.Context) (string, error) {
	resp, err := identityv1.NewAuthServiceClient(p.conn).Login(ctx, &identityv1.LoginRequest{Username: "admin", Password: p.password})
	return resp.GetTokens().GetAccessToken(), err
}

// Stop stops the process and removes its state and log.
func (p *Process) Stop() {
	if p.conn != nil {
		p.conn.Close()
	}
	_ = p.proc.Stop()
	_ = os.RemoveAll(p.state)
	_ = os.Remove(p.proc.Log.Name())
}

// AdminToken starts identityBin (see Start) and returns a platform admin's
// token from it, for benchmarks that call other services as one; stop
// ends the process.
func AdminToken(ctx context.Context, identityBin, devEnv string) (token string, stop func(), err error) {
	p, err := Start(ctx, identityBin, devEnv, false)
	if err != nil {
		return "", nil, err
	}
	if token, err = p.AdminToken(ctx); err != nil {
		p.Stop()
		return "", nil, err
	}
	return token, p.Stop, nil
}
