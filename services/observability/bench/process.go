package bench

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	shared "github.com/landlord-dev/landlord/services/internal/bench"
	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/internal/devclusterproc"
)

// service is a running bin/observability, as its own process.
type service struct {
	*shared.Process
	state    string
	grpcAddr string
	httpAddr string      // /metrics
	tls      *tls.Config // trusts the Landlord CA both listeners serve with
	conn     *grpc.ClientConn
}

// startService starts the observability binary for the dev cluster whose
// env file is devEnv, as the cluster admin (it only reads), and waits
// until it serves: its informers have synced. History sampling runs at
// its default interval, as in production.
func startService(ctx context.Context, bin, devEnv string) (*service, error) {
	state, err := os.MkdirTemp("", "landlord-bench-observability-")
	if err != nil {
		return nil, err
	}
	p, line, err := shared.StartProcess(ctx, bin, []string{"--devcluster-env", devEnv, "--state-dir", state,
		"--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, nil, "serving")
	if err != nil {
		_ = os.RemoveAll(state)
		return nil, err
	}
	s := &service{Process: p, state: state}
	var serving struct{ GRPC, HTTP string }
	err = json.Unmarshal(line, &serving)
	s.grpcAddr, s.httpAddr = serving.GRPC, serving.HTTP
	env, err2 := devclusterproc.ReadEnvFile(devEnv)
	if err == nil {
		err = err2
	}
	if err == nil {
		s.tls, err = certs.Client(env.ClientTLS())
	}
	if err == nil {
		s.conn, err = grpc.NewClient(s.grpcAddr, grpc.WithTransportCredentials(credentials.NewTLS(s.tls)))
	}
	if err == nil {
		err = s.waitServing(ctx, 5*time.Minute)
	}
	if err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// waitServing polls gRPC health until SERVING: the informers have synced.
func (s *service) waitServing(ctx context.Context, limit time.Duration) error {
	health := healthpb.NewHealthClient(s.conn)
	deadline := time.Now().Add(limit)
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		resp, err := health.Check(cctx, &healthpb.HealthCheckRequest{})
		cancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("observability not serving after %s (%v, %v; log %s)", limit, resp.GetStatus(), err, s.Log.Name())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// events is how many changes observability's informers of kind have
// applied to their caches so far (its /metrics).
func (s *service) events(ctx context.Context, kind string) (float64, error) {
	m, err := shared.Scrape(ctx, s.httpAddr, s.tls)
	if err != nil {
		return 0, err
	}
	return m.Sum("landlord_observability_informer_events_total", `kind="`+kind+`"`), nil
}

func (s *service) stop() {
	if s.conn != nil {
		s.conn.Close()
	}
	_ = s.Stop()
	_ = os.RemoveAll(s.state)
}

// peakRSS is the process's peak resident memory (VmHWM), from /proc.
func peakRSS(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}
