// Package cluster runs a real, node-less Kubernetes control plane for
// development and tests: etcd, kube-apiserver and kube-controller-manager,
// each in a child process of its own, with a dev PKI in a state directory.
package cluster

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"
)

// Config says where the cluster keeps its state and which ports it takes.
type Config struct {
	StateDir              string
	EtcdPort              int
	EtcdPeerPort          int
	APIServerPort         int
	ControllerManagerPort int
	// IdentityPort is where Landlord's identity service serves its OIDC
	// issuer; kube-apiserver is configured to trust tokens it signs.
	IdentityPort int
	// ReadyTimeout bounds how long Up waits for the whole cluster.
	ReadyTimeout time.Duration
	// Self is the binary that runs each component ("<self> component NAME").
	Self string
}

// Defaults are the ports of a dev cluster nobody configured.
func Defaults() Config {
	return Config{
		StateDir:              ".landlord/devcluster",
		EtcdPort:              23790,
		EtcdPeerPort:          23800,
		APIServerPort:         6443,
		ControllerManagerPort: 10257,
		IdentityPort:          8443,
		ReadyTimeout:          3 * time.Minute,
	}
}

// Validate reports every problem with the configuration at once.
func (c Config) Validate() error {
	var errs []error
	if c.StateDir == "" {
		errs = append(errs, errors.New("state directory must be set"))
	}
	seen := map[int]string{}
	for _, p := range c.ports() {
		if p.port < 1 || p.port > 65535 {
			errs = append(errs, fmt.Errorf("%s port %d: out of range", p.name, p.port))
		}
		if other, dup := seen[p.port]; dup {
			errs = append(errs, fmt.Errorf("%s and %s both use port %d", other, p.name, p.port))
		}
		seen[p.port] = p.name
	}
	if c.Self == "" {
		errs = append(errs, errors.New("the binary to run components with is unknown"))
	}
	return errors.Join(errs...)
}

type namedPort struct {
	name, flag string
	port       int
	// forLandlord ports are bound later by Landlord's services, not here.
	forLandlord bool
}

func (c Config) ports() []namedPort {
	return []namedPort{
		{"etcd", "--etcd-port", c.EtcdPort, false},
		{"etcd peer", "--etcd-peer-port", c.EtcdPeerPort, false},
		{"kube-apiserver", "--apiserver-port", c.APIServerPort, false},
		{"kube-controller-manager", "--controller-manager-port", c.ControllerManagerPort, false},
		{"identity (OIDC issuer)", "--identity-port", c.IdentityPort, true},
	}
}

// checkPortsFree refuses, naming the flag to change, when a port is taken.
func (c Config) checkPortsFree() error {
	for _, p := range c.ports() {
		if p.forLandlord {
			continue
		}
		lis, err := net.Listen("tcp", loopback(p.port))
		if err != nil {
			return fmt.Errorf("port %d for %s is already in use; free it or pick another with %s", p.port, p.name, p.flag)
		}
		_ = lis.Close()
	}
	return nil
}

func loopback(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// Paths of everything in the state directory.
func (c Config) path(elem ...string) string {
	return filepath.Join(append([]string{c.StateDir}, elem...)...)
}

// AdminKubeconfig is the kubeconfig of the cluster-admin user.
func (c Config) AdminKubeconfig() string { return c.path("admin.kubeconfig") }

// AuthenticationConfig is the file kube-apiserver reads its JWT issuers
// from; it re-reads it while running, so issuers can be added live.
func (c Config) AuthenticationConfig() string { return c.path("authentication-config.yaml") }

// EnvFile describes the running cluster to Landlord's services and tests.
func (c Config) EnvFile() string { return c.path("landlord-dev.json") }

// IdentityIssuer is the URL of the JWT issuer kube-apiserver trusts.
func (c Config) IdentityIssuer() string { return "https://" + loopback(c.IdentityPort) }

// LogDir holds one log file per component.
func (c Config) LogDir() string { return c.path("logs") }

func (c Config) pkiDir() string { return c.path("pki") }

func (c Config) apiServerURL() string { return "https://" + loopback(c.APIServerPort) }

// UseFreePorts replaces every port with one the kernel says is free now, for
// test and benchmark clusters that must not collide with anything else.
func (c *Config) UseFreePorts() error {
	for _, port := range []*int{&c.EtcdPort, &c.EtcdPeerPort, &c.APIServerPort, &c.ControllerManagerPort, &c.IdentityPort} {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer lis.Close() // held until all are picked, so none repeats
		*port = lis.Addr().(*net.TCPAddr).Port
	}
	return nil
}
