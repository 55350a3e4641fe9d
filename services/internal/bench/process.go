package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Process is a service binary a benchmark runs as its own process. It gets
// SIGTERM if the benchmark dies, and its log (stderr) goes to a temporary
// file, named in errors, that outlives it.
type Process struct {
	Started time.Time // when the process was started
	Log     *os.File
	name    string
	cmd     *exec.Cmd
	exited  chan error
}

// StartProcess starts bin with args (and env added to the benchmark's own)
// and waits until a line of its JSON log has the message msg, which it
// returns.
func StartProcess(ctx context.Context, bin string, args, env []string, msg string) (*Process, []byte, error) {
	p := &Process{name: filepath.Base(bin), exited: make(chan error, 1)}
	p.cmd = exec.CommandContext(ctx, bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	var err error
	if p.Log, err = os.CreateTemp("", "landlord-bench-"+p.name+"-*.log"); err != nil {
		return nil, nil, err
	}
	// A pipe of our own, not StderrPipe: Wait must not close it while
	// the rest of the log is still being copied.
	logs, stderr, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	p.cmd.Stderr = stderr
	p.Started = time.Now()
	err = p.cmd.Start()
	stderr.Close()
	if err != nil {
		logs.Close()
		return nil, nil, err
	}
	line, err := waitForMsg(logs, msg, p.Log)
	if err != nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
		return nil, nil, fmt.Errorf("%s: %w (log: %s)", p.name, err, p.Log.Name())
	}
	go func() { p.exited <- p.cmd.Wait() }()
	return p, line, nil
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Stop sends SIGTERM and waits for the process to exit; after a minute it
// kills it and says so.
func (p *Process) Stop() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-p.exited:
		return nil
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		return fmt.Errorf("%s did not stop within 60s of SIGTERM (log: %s)", p.name, p.Log.Name())
	}
}

// RSS is the process's resident memory, from /proc.
func (p *Process) RSS() (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Pid()))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", p.Pid())
}

// waitForMsg copies a process's JSON log to log until a line has the
// message msg, returns that line and copies the rest in the background.
func waitForMsg(r io.ReadCloser, msg string, log io.Writer) ([]byte, error) {
	lines := bufio.NewScanner(r)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	for lines.Scan() {
		fmt.Fprintln(log, lines.Text())
		var line struct{ Msg string }
		if json.Unmarshal(lines.Bytes(), &line) == nil && line.Msg == msg {
			go func() { _, _ = io.Copy(log, r); r.Close() }()
			return []byte(lines.Text()), nil
		}
	}
	r.Close()
	return nil, fmt.Errorf("the process exited before logging %q", msg)
}
