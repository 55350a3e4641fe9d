package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/landlord-dev/landlord/deploy/devcluster/internal/component"
)

// Cluster is a running dev cluster.
type Cluster struct {
	cfg   Config
	procs []*process // in start order
	lock  *os.File
	// Cold reports that the state directory was empty: a new cluster.
	Cold bool
	// StartedIn is how long Start took until the cluster was ready.
	StartedIn time.Duration
}

// Start starts etcd, kube-apiserver and kube-controller-manager in turn,
// waiting for each to be healthy, and returns once the cluster is usable:
// the API server is ready and the controllers have made the default
// namespace's ServiceAccount. On failure it stops what it started.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	begin := time.Now()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, err
	}
	lock, err := lockStateDir(cfg.path("lock"))
	if err != nil {
		return nil, err
	}
	c := &Cluster{cfg: cfg, lock: lock, Cold: isEmptyDir(cfg.path("etcd"))}
	if err := c.start(ctx); err != nil {
		c.Stop()
		return nil, err
	}
	c.StartedIn = time.Since(begin)
	return c, nil
}

func (c *Cluster) start(ctx context.Context) error {
	if err := c.cfg.checkPortsFree(); err != nil {
		return err
	}
	if err := c.cfg.prepare(); err != nil {
		return fmt.Errorf("preparing %s: %w", c.cfg.StateDir, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.ReadyTimeout)
	defer cancel()
	probes, err := newProbes(c.cfg)
	if err != nil {
		return err
	}
	steps := []struct {
		name  string
		args  []string
		ready []probe
	}{
		{component.Etcd, c.cfg.etcdArgs(), []probe{probes.etcd}},
		{component.APIServer, c.cfg.apiServerArgs(), []probe{probes.apiServer}},
		{component.ControllerManager, c.cfg.controllerManagerArgs(), []probe{probes.controllerManager, probes.defaultServiceAccount}},
	}
	for _, s := range steps {
		p, err := c.cfg.start(s.name, s.args)
		if err != nil {
			return err
		}
		c.procs = append(c.procs, p)
		for _, ready := range s.ready {
			if err := c.waitFor(ctx, ready); err != nil {
				return err
			}
		}
	}
	return nil
}

// waitFor polls a readiness probe until it passes, a component dies, or ctx ends.
func (c *Cluster) waitFor(ctx context.Context, pr probe) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		lastErr := pr.check(ctx)
		if lastErr == nil {
			return nil
		}
		for _, p := range c.procs {
			select {
			case <-p.exited:
				return p.failure()
			default:
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w (last error: %v)", pr.what, ctx.Err(), lastErr)
		case <-tick.C:
		}
	}
}

// Wait blocks until ctx ends (nil) or a component exits on its own (error).
func (c *Cluster) Wait(ctx context.Context) error {
	died := make(chan *process, len(c.procs))
	for _, p := range c.procs {
		go func() {
			select {
			case <-p.exited:
				died <- p
			case <-ctx.Done():
			}
		}()
	}
	select {
	case <-ctx.Done():
		return nil
	case p := <-died:
		return p.failure()
	}
}

// stopGrace is how long each component may take to exit after SIGTERM.
// The controller manager keeps no state of its own and does not always
// exit on SIGTERM, so it gets little; etcd and the API server get enough to
// flush.
var stopGrace = map[string]time.Duration{
	component.ControllerManager: 3 * time.Second,
	component.APIServer:         20 * time.Second,
	component.Etcd:              20 * time.Second,
}

// Stop stops the components in reverse order and releases the state dir.
func (c *Cluster) Stop() {
	for i := len(c.procs) - 1; i >= 0; i-- {
		c.procs[i].stop(stopGrace[c.procs[i].name])
	}
	c.procs = nil
	if c.lock != nil {
		_ = c.lock.Close()
		c.lock = nil
	}
}

// Config is the configuration the cluster runs with.
func (c *Cluster) Config() Config { return c.cfg }

// lockStateDir makes sure one supervisor at a time owns a state directory;
// the lock goes away with the process, however it ends.
func lockStateDir(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("state directory %s is in use by another landlord-devcluster", path[:len(path)-len("/lock")])
		}
		return nil, err
	}
	return f, nil
}

func isEmptyDir(path string) bool {
	entries, err := os.ReadDir(path)
	return err != nil || len(entries) == 0
}
