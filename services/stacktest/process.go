package stacktest

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"

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

// Stop asks the process to shut down cleanly and waits for it.
func (p *Process) Stop() {
	if p.cmd != nil {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		_ = p.cmd.Wait()
		p.cmd = nil
	}
}
