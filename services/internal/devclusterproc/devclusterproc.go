// Package devclusterproc starts bin/landlord-devcluster as a child process
// on free loopback ports in a fresh state directory, for tests and
// benchmarks that need a cluster of their own.
package devclusterproc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Cluster is a running landlord-devcluster process.
type Cluster struct {
	// Kubeconfig is the cluster-admin kubeconfig.
	Kubeconfig string
	// StateDir holds the cluster's PKI, data and logs.
	StateDir string
	// Ready is how long it took from starting the process to a usable cluster.
	Ready time.Duration

	cmd     *exec.Cmd
	ownsDir bool
}

// Start starts a cluster in stateDir, or in a new temporary directory
// (removed by Stop) if stateDir is "".
func Start(stateDir string) (*Cluster, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	c := &Cluster{StateDir: stateDir}
	if stateDir == "" {
		if c.StateDir, err = os.MkdirTemp("", "landlord-devcluster-"); err != nil {
			return nil, err
		}
		c.ownsDir = true
	}
	begin := time.Now()
	c.cmd = exec.Command(bin, "up", "--state-dir", c.StateDir, "--free-ports")
	c.cmd.Stderr = os.Stderr
	// If the test or benchmark dies, the cluster goes with it.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	lines := bufio.NewScanner(out)
	var seen []string
	for lines.Scan() {
		seen = append(seen, lines.Text())
		if strings.HasPrefix(lines.Text(), "Dev cluster is ready") {
			c.Ready = time.Since(begin)
			go func() { _, _ = io.Copy(io.Discard, out) }()
			c.Kubeconfig = filepath.Join(c.StateDir, "admin.kubeconfig")
			return c, nil
		}
	}
	c.Stop()
	return nil, fmt.Errorf("dev cluster did not start:\n%s", strings.Join(seen, "\n"))
}

// Stop stops the cluster and waits for it; a temporary state dir is removed.
func (c *Cluster) Stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	_ = c.cmd.Wait()
	if c.ownsDir {
		_ = os.RemoveAll(c.StateDir)
	}
}

// Binary finds bin/landlord-devcluster at the repository root, building it
// (from the Go build cache, normally) when it is missing.
func Binary() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(root, "bin", "landlord-devcluster")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	start := time.Now()
	build := exec.Command("go", "build", "-o", bin, "./cmd/landlord-devcluster")
	build.Dir = filepath.Join(root, "deploy", "devcluster")
	build.Env = append(os.Environ(), "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building landlord-devcluster: %v\n%s", err, out)
	}
	fmt.Fprintf(os.Stderr, "built %s in %s\n", bin, time.Since(start).Round(time.Second))
	return bin, nil
}

// RepoRoot is the nearest directory above the working directory that holds go.work.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.work above the working directory")
		}
		dir = parent
	}
}
