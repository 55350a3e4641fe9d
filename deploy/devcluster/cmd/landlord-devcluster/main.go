// Command landlord-devcluster runs a real Kubernetes control plane (etcd,
// kube-apiserver, kube-controller-manager) on loopback for development and
// tests. See `landlord-devcluster --help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/landlord-dev/landlord/deploy/devcluster/internal/cluster"
	"github.com/landlord-dev/landlord/deploy/devcluster/internal/component"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := rootCommand().ExecuteContext(ctx); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			os.Exit(exit.ExitCode())
		}
		fmt.Fprintln(os.Stderr, "landlord-devcluster:", err)
		os.Exit(1)
	}
}

// freePorts is the --free-ports flag.
var freePorts bool

func rootCommand() *cobra.Command {
	cfg := cluster.Defaults()
	root := &cobra.Command{
		Use:           "landlord-devcluster",
		Short:         "Run a real, node-less Kubernetes control plane on loopback",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	flags := root.PersistentFlags()
	flags.StringVar(&cfg.StateDir, "state-dir", cfg.StateDir, "where the PKI, etcd data, kubeconfigs and logs live; reused on the next start")
	flags.IntVar(&cfg.EtcdPort, "etcd-port", cfg.EtcdPort, "etcd client port")
	flags.IntVar(&cfg.EtcdPeerPort, "etcd-peer-port", cfg.EtcdPeerPort, "etcd peer port")
	flags.IntVar(&cfg.APIServerPort, "apiserver-port", cfg.APIServerPort, "kube-apiserver secure port")
	flags.IntVar(&cfg.ControllerManagerPort, "controller-manager-port", cfg.ControllerManagerPort, "kube-controller-manager secure port")
	flags.IntVar(&cfg.IdentityPort, "identity-port", cfg.IdentityPort, "port the identity service's OIDC issuer will serve on (kube-apiserver trusts it)")
	flags.BoolVar(&freePorts, "free-ports", false, "ignore the port flags and use any free loopback ports")
	flags.DurationVar(&cfg.ReadyTimeout, "ready-timeout", cfg.ReadyTimeout, "how long to wait for the cluster to become ready")

	root.AddCommand(upCommand(&cfg), execCommand(&cfg), kubeconfigCommand(&cfg), componentCommand())
	return root
}

func upCommand(cfg *cluster.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "up",
		Short: "Start the cluster and run it until Ctrl-C or SIGTERM",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := start(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer c.Stop()
			printReady(c)
			fmt.Println("Press Ctrl-C to stop.")
			err = c.Wait(cmd.Context())
			fmt.Println("Stopping the dev cluster...")
			return err
		},
	}
}

func execCommand(cfg *cluster.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "exec -- COMMAND [ARGS...]",
		Short: "Start the cluster, run COMMAND with KUBECONFIG set to it, then stop the cluster",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := start(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer c.Stop()
			printReady(c)
			kubeconfig := abs(c.Config().AdminKubeconfig())
			run := exec.CommandContext(cmd.Context(), args[0], args[1:]...)
			run.Stdin, run.Stdout, run.Stderr = os.Stdin, os.Stdout, os.Stderr
			run.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "LANDLORD_KUBECONFIG="+kubeconfig)
			return run.Run()
		},
	}
}

func kubeconfigCommand(cfg *cluster.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "kubeconfig",
		Short: "Print the path of the cluster-admin kubeconfig",
		Args:  cobra.NoArgs,
		Run: func(*cobra.Command, []string) {
			fmt.Println(abs(cfg.AdminKubeconfig()))
		},
	}
}

// componentCommand is how the supervisor runs each component in a process
// of its own; users do not call it.
func componentCommand() *cobra.Command {
	return &cobra.Command{
		Use:                "component NAME [ARGS...]",
		Hidden:             true,
		DisableFlagParsing: true,
		Args:               cobra.MinimumNArgs(1),
		Run: func(cmd *cobra.Command, args []string) {
			os.Exit(component.Run(cmd.Context(), args[0], args[1:]))
		},
	}
}

func start(ctx context.Context, cfg *cluster.Config) (*cluster.Cluster, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cfg.Self = self
	if freePorts {
		if err := cfg.UseFreePorts(); err != nil {
			return nil, err
		}
	}
	fmt.Printf("Starting the dev cluster in %s ...\n", abs(cfg.StateDir))
	return cluster.Start(ctx, *cfg)
}

func printReady(c *cluster.Cluster) {
	cfg := c.Config()
	kind := "warm"
	if c.Cold {
		kind = "cold"
	}
	fmt.Printf("Dev cluster is ready (%s start in %.1fs).\n", kind, c.StartedIn.Seconds())
	fmt.Printf("  API server:  https://127.0.0.1:%d\n", cfg.APIServerPort)
	fmt.Printf("  kubeconfig:  %s   (cluster-admin)\n", abs(cfg.AdminKubeconfig()))
	fmt.Printf("  try:         KUBECONFIG=%s bin/kubectl get namespaces\n", abs(cfg.AdminKubeconfig()))
	fmt.Printf("  trusts:      tokens from %s (identity), see %s\n", cfg.IdentityIssuer(), abs(cfg.AuthenticationConfig()))
	fmt.Printf("  env:         %s\n", abs(cfg.EnvFile()))
	fmt.Printf("  logs:        %s\n", abs(cfg.LogDir()))
}

func abs(path string) string {
	if p, err := filepath.Abs(path); err == nil {
		return p
	}
	return path
}
