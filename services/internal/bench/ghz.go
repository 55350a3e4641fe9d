package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// GhzResult is the part of ghz's JSON report the benchmarks print.
type GhzResult struct {
	Count               int64            `json:"count"`
	Total               time.Duration    `json:"total"`
	Rps                 float64          `json:"rps"`
	StatusCodeDist      map[string]int64 `json:"statusCodeDistribution"`
	LatencyDistribution []struct {
		Percentage int           `json:"percentage"`
		Latency    time.Duration `json:"latency"`
	} `json:"latencyDistribution"`
}

// Percentile is the latency at p (50, 99, ...).
func (r *GhzResult) Percentile(p int) time.Duration {
	for _, l := range r.LatencyDistribution {
		if l.Percentage == p {
			return l.Latency
		}
	}
	return 0
}

// Ghz calls one method n times from c workers with ghz (pinned as a Go
// tool) on loopback, using server reflection: over TLS trusting cacert, or
// plaintext if cacert is "". The request and
// metadata (which carry credentials) go through private files, never the
// command line.
func Ghz(ctx context.Context, addr, cacert, method, data string, metadata map[string]string, c, n int) (*GhzResult, error) {
	dir, err := os.MkdirTemp("", "ghz-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	dataPath, mdPath := filepath.Join(dir, "data.json"), filepath.Join(dir, "metadata.json")
	md, _ := json.Marshal(metadata)
	if err := os.WriteFile(dataPath, []byte(data), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(mdPath, md, 0o600); err != nil {
		return nil, err
	}
	args := []string{"tool", "ghz", "--insecure", "--format", "json", "--call", method,
		"-c", fmt.Sprint(c), "-n", fmt.Sprint(n), "-D", dataPath, "-M", mdPath}
	if cacert != "" {
		args[2] = "--cacert=" + cacert
	}
	out, err := exec.CommandContext(ctx, "go", append(args, addr)...).Output()
	if err != nil {
		return nil, fmt.Errorf("ghz %s: %w", method, err)
	}
	var r GhzResult
	if err := json.Unmarshal(out, &r); err != nil {
		return nil, fmt.Errorf("ghz %s report: %w", method, err)
	}
	if ok := r.StatusCodeDist["OK"]; ok != r.Count {
		return nil, fmt.Errorf("ghz %s: only %d of %d calls OK: %v", method, ok, r.Count, r.StatusCodeDist)
	}
	return &r, nil
}

// PrintGhz writes one ghz result.
func PrintGhz(w interface{ Write([]byte) (int, error) }, name string, r *GhzResult) {
	Row(w, name, fmt.Sprintf("%8.0f calls/s   p50 %s   p99 %s   (%d calls)", r.Rps, Ms(r.Percentile(50)), Ms(r.Percentile(99)), r.Count))
}
