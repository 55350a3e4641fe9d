// Package integration tests the gateway in front of the real services on
// the dev cluster: the stack as in stacktest, the gateway in this process.
package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr"
	"google.golang.org/grpc/metadata"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/landlord-dev/landlord/services/gateway"
	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/internal/devclusterproc"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	"github.com/landlord-dev/landlord/services/stacktest"
)

func TestMain(m *testing.M) {
	ctrl.SetLogger(logr.Discard()) // stacktest's RBAC client logs through controller-runtime
	code := devclustertest.Main(m)
	if shared != nil {
		shared.stack.Close(code != 0)
		shared.stop()
	}
	os.Exit(code)
}

var (
	shared     *env
	sharedOnce sync.Once
	sharedErr  error
)

// env is the stack, the gateway in front of it and an HTTPS client that
// trusts Landlord's CA.
type env struct {
	stack   *stacktest.Stack
	url     string
	metrics string // the gateway's /metrics URL
	client  *http.Client
	admin   string // the platform admin's bearer token
	stop    context.CancelFunc
}

func started(t *testing.T) *env {
	t.Helper()
	kubeconfig, dc := devclustertest.Kubeconfig(t), devclustertest.Env(t)
	sharedOnce.Do(func() { shared, sharedErr = start(kubeconfig, dc) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

func start(kubeconfig string, dc *devclusterproc.Env) (*env, error) {
	s, err := stacktest.Start(kubeconfig, dc, os.TempDir(), stacktest.Options{Observability: true})
	if err != nil {
		return nil, err
	}
	cfg := gateway.Defaults()
	cfg.Addr, cfg.API = "127.0.0.1:0", dc.ServiceTLS("gateway")
	cfg.Issuer, cfg.IssuerCA, cfg.MetricsAddr = s.Issuer, dc.CACert, "127.0.0.1:0"
	cfg.IdentityAddr, cfg.ProvisioningAddr = s.Identity.Target(), s.Provisioning.Addr()
	cfg.QuotaAddr, cfg.ObservabilityAddr = s.Quota.Addr(), s.Observability.Addr()
	ctx, cancel := context.WithCancel(context.Background())
	g, err := gateway.New(ctx, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		cancel()
		return nil, err
	}
	go func() { _ = g.Run(ctx) }()
	tlsCfg, err := certs.Client(dc.ClientTLS())
	if err != nil {
		cancel()
		return nil, err
	}
	md, _ := metadata.FromOutgoingContext(s.Admin)
	admin := strings.TrimPrefix(md.Get("authorization")[0], "Bearer ")
	return &env{stack: s, url: g.URL(), metrics: g.MetricsURL(), admin: admin, stop: cancel,
		client: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}}, nil
}

// response is an answer read whole.
type response struct {
	code   int
	header http.Header
	body   []byte
}

// json decodes the body into a generic map.
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	out := map[string]any{}
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return out
}

// call sends method path with body (JSON, nil for none), token as bearer
// (none if empty) and extra headers (name, value pairs).
func (e *env) call(t *testing.T, method, path, token string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{code: resp.StatusCode, header: resp.Header, body: data}
}

// Tenants live in the cluster, which outlives a run: each run's tenant
// names carry a suffix of their own.
var (
	run                      = fmt.Sprintf("%04x", rand.Uint32()&0xffff)
	acme, slow, patch, watch = "gw-acme-" + run, "gw-slow-" + run, "gw-patch-" + run, "gw-watch-" + run
)
