package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// operator is a running bin/provisioning, as its own process.
type operator struct {
	cmd      *exec.Cmd
	started  time.Time // when the process was started
	httpAddr string    // where it serves /metrics
	grpcAddr string
	log      *os.File
	exited   chan error
}

// startOperator starts the provisioning binary without leader election,
// trusting the dev cluster's identity issuer, and waits until it says it
// started; its log goes to a temporary file.
func startOperator(ctx context.Context, bin, kubeconfig string) (*operator, error) {
	op := &operator{exited: make(chan error, 1)}
	op.cmd = exec.CommandContext(ctx, bin, "--kubeconfig", kubeconfig, "--leader-elect=false",
		"--devcluster-env", filepath.Join(filepath.Dir(kubeconfig), "landlord-dev.json"),
		"--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0")
	op.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	logs, err := op.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if op.log, err = os.CreateTemp("", "bench-provisioning-operator-*.log"); err != nil {
		return nil, err
	}
	op.started = time.Now()
	if err := op.cmd.Start(); err != nil {
		return nil, err
	}
	line, err := waitForLine(logs, "tenant operator started", op.log)
	if err != nil {
		_ = op.cmd.Process.Kill()
		return nil, fmt.Errorf("%w (operator log: %s)", err, op.log.Name())
	}
	var started struct{ HTTP, GRPC string }
	_ = json.Unmarshal([]byte(line), &started)
	op.httpAddr = started.HTTP // empty for operators older than their /metrics
	op.grpcAddr = started.GRPC
	go func() { op.exited <- op.cmd.Wait() }()
	return op, nil
}

// stop sends SIGTERM and waits for the process to exit.
func (op *operator) stop() error {
	if err := op.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-op.exited:
		return nil
	case <-time.After(60 * time.Second):
		_ = op.cmd.Process.Kill()
		return fmt.Errorf("the operator did not stop within 60s of SIGTERM (log: %s)", op.log.Name())
	}
}

// rss is the process's resident memory, from /proc.
func (op *operator) rss() (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", op.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", op.cmd.Process.Pid)
}

// metrics scrapes /metrics into "name{labels}" -> value.
func (op *operator) metrics(ctx context.Context) (samples, error) {
	if op.httpAddr == "" {
		return nil, errors.New("the operator serves no /metrics")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+op.httpAddr+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("GET /metrics: %s: %s", resp.Status, body)
	}
	out := samples{}
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	for lines.Scan() {
		line := lines.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); i > 0 && err == nil {
			out[line[:i]] = v
		}
	}
	return out, lines.Err()
}

// samples are one scrape of Prometheus text.
type samples map[string]float64

// sum adds the samples of metric name whose labels contain every one of
// the label pairs given (as `key="value"`).
func (s samples) sum(name string, labels ...string) float64 {
	var total float64
	for series, v := range s {
		metric, rest, _ := strings.Cut(series, "{")
		if metric != name {
			continue
		}
		matches := true
		for _, l := range labels {
			matches = matches && strings.Contains(rest, l)
		}
		if matches {
			total += v
		}
	}
	return total
}

// breakdown lists the non-zero series of name, for a report.
func (s samples) breakdown(name string) string {
	var parts []string
	for series, v := range s {
		if metric, labels, _ := strings.Cut(series, "{"); metric == name && v != 0 {
			var own []string // without the otel_scope_* labels every series has
			for l := range strings.SplitSeq(strings.TrimSuffix(labels, "}"), ",") {
				if !strings.HasPrefix(l, "otel_scope_") {
					own = append(own, l)
				}
			}
			parts = append(parts, fmt.Sprintf("%s %.0f", strings.Join(own, ","), v))
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}

// waitForLine reads a process's log until a line contains text, returns
// that line and copies the rest to rest in the background.
func waitForLine(r io.Reader, text string, rest io.Writer) (string, error) {
	lines := bufio.NewScanner(r)
	for lines.Scan() {
		fmt.Fprintln(rest, lines.Text())
		if strings.Contains(lines.Text(), text) {
			go func() { _, _ = io.Copy(rest, r) }()
			return lines.Text(), nil
		}
	}
	return "", fmt.Errorf("the process exited before logging %q", text)
}
