// Package component runs one control-plane component in the current process.
//
// The dev cluster re-executes its own binary once per component, so etcd,
// kube-apiserver and kube-controller-manager each get a process of their own
// and their package-level globals (flags, metrics registries, feature gates)
// never mix.
package component

import (
	"context"
	"fmt"
	"os"

	"k8s.io/component-base/cli"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

// Names of the components a dev cluster is made of, in start order.
const (
	Etcd              = "etcd"
	APIServer         = "kube-apiserver"
	ControllerManager = "kube-controller-manager"
)

// Run runs the named component with its command-line arguments until it
// exits, and returns the process exit code.
func Run(ctx context.Context, name string, args []string) int {
	switch name {
	case Etcd:
		if err := runEtcd(ctx, args); err != nil {
			fmt.Fprintln(os.Stderr, "etcd:", err)
			return 1
		}
		return 0
	case APIServer:
		cmd := apiserver.NewAPIServerCommand()
		cmd.SetArgs(args)
		return cli.Run(cmd)
	case ControllerManager:
		cmd := controllermanager.NewControllerManagerCommand()
		cmd.SetArgs(args)
		return cli.Run(cmd)
	default:
		fmt.Fprintf(os.Stderr, "unknown component %q\n", name)
		return 2
	}
}
