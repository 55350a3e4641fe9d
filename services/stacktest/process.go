package stacktest

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/landlord-dev/landlord/services/internal/server"
)

// Process is a service binary the tests start, kill and start again with
// the same flags, its log appended to one file across restarts.
type Process struct {
	Name string
	Args []string // the binary and its flags
	Log  string   // path of the log file

	cmd  *exec.Cmd
	addr string
}

// Start runs the process and waits until it serves gRPC.
func (p *Process) Start() error {
	// Left open: the process's log is copied into it for as long as it runs.
	log, err := os.OpenFile(p.Log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(p.Args[0], p.Args[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlives the test binary
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	addr, err := server.ServingAddr(io.TeeReader(stderr, log))
	if err != nil {
		_ = cmd.Wait()
		return fmt.Errorf("%s (log %s): %w", p.Name, p.Log, err)
	}
	p.cmd, p.addr = cmd, addr
	return nil
}

// Addr is where the running process serves gRPC.
func (p *Process) Addr() string { return p.addr }

// Kill sends SIGKILL: no drain, no cleanup, as a crash.
func (p *Process) Kill() {
	if p.cmd != nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
		p.cmd = nil
	}
}

// Stop sends SIGTERM, as Ctrl-C or a rolling update would, and waits for
// the process to exit: an error if it exits with one, or is still running
// after 30 s (then it is killed).
func (p *Process) Stop() error {
	if p.cmd == nil {
		return nil
	}
	cmd := p.cmd
	p.cmd = nil
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			return fmt.Errorf("%s exited with %v after SIGTERM; log: %s", p.Name, err, p.Log)
		}
		return nil
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		return fmt.Errorf("%s still running 30 s after SIGTERM; log: %s", p.Name, p.Log)
	}
}

// Pause stops the process (SIGSTOP) where it is, holding its connections
// and state: its writes stop landing until Resume.
func (p *Process) Pause() error { return p.cmd.Process.Signal(syscall.SIGSTOP) }

// Resume continues a paused process (SIGCONT).
func (p *Process) Resume() error { return p.cmd.Process.Signal(syscall.SIGCONT) }
