package bench

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"path/filepath"

	shared "github.com/landlord-dev/landlord/services/internal/bench"
	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/internal/devclusterproc"
)

// operator is a running bin/provisioning, as its own process.
type operator struct {
	*shared.Process
	httpAddr string      // where it serves /metrics
	tls      *tls.Config // trusts the Landlord CA its metrics are served with
	grpcAddr string
}

// startOperator starts the provisioning binary without leader election,
// trusting the dev cluster's identity issuer and taking plans and quotas
// from the quota service at quotaAddr, and waits until it says it started.
func startOperator(ctx context.Context, bin, kubeconfig, quotaAddr string) (*operator, error) {
	p, line, err := shared.StartProcess(ctx, bin, []string{"--kubeconfig", kubeconfig, "--leader-elect=false",
		"--devcluster-env", filepath.Join(filepath.Dir(kubeconfig), "landlord-dev.json"),
		"--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--quota-addr", quotaAddr}, nil, "tenant operator started")
	if err != nil {
		return nil, err
	}
	var started struct{ HTTP, GRPC string }
	_ = json.Unmarshal(line, &started)
	op := &operator{Process: p, httpAddr: started.HTTP, grpcAddr: started.GRPC}
	env, err := devclusterproc.ReadEnv(kubeconfig)
	if err == nil {
		op.tls, err = certs.Client(env.ClientTLS())
	}
	if err != nil {
		_ = p.Stop()
		return nil, err
	}
	return op, nil
}

// metrics scrapes the operator's /metrics.
func (op *operator) metrics(ctx context.Context) (shared.Samples, error) {
	if op.httpAddr == "" {
		return nil, errors.New("the operator serves no /metrics")
	}
	return shared.Scrape(ctx, op.httpAddr, op.tls)
}
