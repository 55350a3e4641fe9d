package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/internal/bench"
)

// scenario is the part of a ghz config file (bench/ghz/*.json) the
// runner reads; ghz reads the whole file itself.
type scenario struct {
	Path        string            `json:"-"`
	Name        string            `json:"name"`
	Call        string            `json:"call"`
	Tags        map[string]string `json:"tags"`
	Total       uint              `json:"total"`
	Concurrency uint              `json:"concurrency"`
	Data        json.RawMessage   `json:"data"`
	Metadata    json.RawMessage   `json:"metadata"`
}

// loadScenarios reads every *.json in dir, sorted by name.
func loadScenarios(dir string) ([]scenario, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no ghz scenarios (*.json) in %s", dir)
	}
	sort.Strings(paths)
	var out []scenario
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		sc := scenario{Path: p}
		if err := json.Unmarshal(data, &sc); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, sc)
	}
	return out, nil
}

// method is the scenario's call as ghz takes it ("pkg.Service.Method" or
// "pkg.Service/Method") split into the full service name and the method.
func (sc scenario) method() (service, method string) {
	call := strings.Replace(sc.Call, "/", ".", 1)
	i := strings.LastIndex(call, ".")
	if i < 0 {
		return "", call
	}
	return call[:i], call[i+1:]
}

func ghzCommand() *cobra.Command {
	var kubeconfig, binDir, dir string
	var total uint
	cmd := &cobra.Command{
		Use:   "ghz",
		Short: "Every ghz scenario in bench/ghz against a fresh stack, each against a health check of the same service",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			scenarios, err := loadScenarios(dir)
			if err != nil {
				return err
			}
			ctx, out := cmd.Context(), cmd.OutOrStdout()
			s, err := startStack(ctx, binDir, kubeconfig)
			if err != nil {
				return err
			}
			defer func() { s.stop(err != nil) }()
			// The scenarios' tenant, on the default plan.
			if err := s.createTenant(ctx, "acme", "standard"); err != nil {
				return err
			}
			// A user of its own for the Login scenario: the bootstrap
			// admin's password stays inside its process.
			password := randomHex(16)
			conn, err := s.Dial(s.Identity.Addr)
			if err != nil {
				return err
			}
			_, err = identityv1.NewUserServiceClient(conn).CreateUser(s.Admin, &identityv1.CreateUserRequest{
				User: &identityv1.User{Name: "bench-ghz"}, Password: password})
			conn.Close()
			if err != nil {
				return fmt.Errorf("create user bench-ghz: %w", err)
			}
			// Credentials reach ghz through its environment, never its
			// command line (the scenarios read them with {{env ...}}).
			env := append(os.Environ(), "LANDLORD_TOKEN="+s.AdminToken, "LANDLORD_USERNAME=bench-ghz", "LANDLORD_PASSWORD="+password)
			addrs := map[string]string{"identity": s.Identity.Addr, "provisioning": s.ProvisioningAddr,
				"quota": s.QuotaAddr, "observability": s.ObservabilityAddr}
			fmt.Fprintf(out, "bench-ghz: the scenarios of %s (go tool ghz --config), TLS on loopback, as a platform admin; baseline: grpc.health.v1.Health/Check on the same service, same concurrency and count\n", dir)
			baselines := map[string]*bench.GhzResult{}
			for _, sc := range scenarios {
				service := sc.Tags["service"]
				addr, ok := addrs[service]
				if !ok {
					return fmt.Errorf("%s: tags.service %q names no Landlord service", sc.Path, service)
				}
				n, c := sc.Total, sc.Concurrency
				if total > 0 {
					n = min(n, total)
				}
				r, err := s.ghz(ctx, env, sc, addr, n)
				if err != nil {
					return err
				}
				key := fmt.Sprintf("%s/%d/%d", service, c, n)
				base, ok := baselines[key]
				if !ok {
					if base, err = s.ghz(ctx, nil, scenario{Name: "health", Call: "grpc.health.v1.Health/Check", Concurrency: c}, addr, n); err != nil {
						return err
					}
					baselines[key] = base
					bench.PrintGhz(out, service+" health (baseline)", base)
				}
				_, m := sc.method()
				bench.PrintGhz(out, service+" "+m, r)
				bench.Row(out, "  vs health", fmt.Sprintf("%.2fx calls/s", r.Rps/base.Rps))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", os.Getenv("LANDLORD_KUBECONFIG"), "admin kubeconfig of the dev cluster")
	f.StringVar(&binDir, "bin-dir", "bin", "directory of the identity, quota, provisioning, observability and gateway binaries")
	f.StringVar(&dir, "dir", "bench/ghz", "directory of the ghz scenario files")
	f.UintVar(&total, "max-total", 5000, "at most this many calls per scenario (0: each file's total)")
	return cmd
}

// ghz runs one scenario (a config file; or, without a path, the
// scenario's call with an empty request) with n calls against addr, env
// (nil: none added) in ghz's environment, and fails unless every call
// answered OK.
func (s *stack) ghz(ctx context.Context, env []string, sc scenario, addr string, n uint) (*bench.GhzResult, error) {
	args := []string{"tool", "ghz", "--format", "json", "--cacert", s.Env.Landlord.CACert, "-n", fmt.Sprint(n)}
	if sc.Path != "" {
		args = append(args, "--config", sc.Path)
	} else {
		args = append(args, "--call", sc.Call, "-c", fmt.Sprint(sc.Concurrency), "-d", "{}")
	}
	if svc := sc.Tags["client-cert"]; svc != "" {
		tlsFiles := s.Env.ServiceTLS(svc)
		args = append(args, "--cert", tlsFiles.Cert, "--key", tlsFiles.Key)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, addr)...)
	if env != nil {
		cmd.Env = env
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	outBytes, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("ghz %s: %w: %s", sc.Name, err, stderr.String())
	}
	var r bench.GhzResult
	if err := json.Unmarshal(outBytes, &r); err != nil {
		return nil, fmt.Errorf("ghz %s report: %w", sc.Name, err)
	}
	if ok := r.StatusCodeDist["OK"]; ok != r.Count {
		return nil, fmt.Errorf("ghz %s: only %d of %d calls OK: %v (errors: %s)", sc.Name, ok, r.Count, r.StatusCodeDist, errorSummary(outBytes))
	}
	return &r, nil
}

// errorSummary is the error distribution of a ghz JSON report.
func errorSummary(report []byte) string {
	var r struct {
		ErrorDist map[string]int `json:"errorDistribution"`
	}
	_ = json.Unmarshal(report, &r)
	var b strings.Builder
	for msg, n := range r.ErrorDist {
		fmt.Fprintf(&b, "%d× %s; ", n, msg)
	}
	return b.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
