// Package cli is landlordctl's command tree (cobra). Each file holds one
// group of commands; the logic they share (config, credentials, output,
// kubeconfig, errors) lives in sibling packages.
package cli

import (
	"io"
	"path/filepath"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"

	"github.com/landlord-dev/landlord/services/internal/buildinfo"
	"github.com/landlord-dev/landlord/services/landlordctl/config"
	"github.com/landlord-dev/landlord/services/landlordctl/output"
)

// app is the state every command shares.
type app struct {
	dir    string // config directory
	output string
	in     io.Reader
	out    io.Writer

	cfg     *config.Config
	conns   map[string]*grpc.ClientConn
	watched bool // a watch printed its table header

}

// New is landlordctl's root command, reading from in and writing to out
// (and its errors to errOut).
func New(in io.Reader, out, errOut io.Writer) *cobra.Command {
	a := &app{in: in, out: out, conns: map[string]*grpc.ClientConn{}}
	root := &cobra.Command{
		Use:   "landlordctl",
		Short: "Landlord's command line: tenants, members, quotas and kubectl access",
		Long: `landlordctl talks to Landlord's services over gRPC (TLS, the Landlord CA).

Log in once; landlordctl keeps your tokens in its config directory (mode
0600) and refreshes them as they near expiry. "landlordctl kubeconfig" gives
kubectl a context whose credentials come from "landlordctl token".`,
		Example: `  # Log in to the Landlord of "make run" and look around
  landlordctl login -u admin
  landlordctl tenants list

  # Give kubectl access to tenant acme
  landlordctl kubeconfig --tenant acme
  kubectl get configmaps`,
		Version:       buildinfo.Version,
		SilenceUsage:  true, // an API error is not a usage error
		SilenceErrors: true, // main prints errors as one line
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if a.dir == "" {
				d, err := config.Dir()
				if err != nil {
					return err
				}
				a.dir = d
			}
			// Absolute: kubeconfig passes it to `token`, which kubectl
			// runs from any directory.
			dir, err := filepath.Abs(a.dir)
			if err != nil {
				return err
			}
			a.dir = dir
			return output.Validate(a.output)
		},
		PersistentPostRun: func(*cobra.Command, []string) { a.close() },
	}
	root.SetIn(in)
	root.SetOut(out)
	root.SetErr(errOut)
	f := root.PersistentFlags()
	f.StringVar(&a.dir, "config-dir", "", "landlordctl's config directory (default $LANDLORD_CONFIG_DIR or ~/.config/landlord)")
	f.StringVarP(&a.output, "output", "o", "table", "output format: table, json or yaml")
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(output.Formats, cobra.ShellCompDirectiveNoFileComp))

	root.AddCommand(a.loginCmd(), a.logoutCmd(), a.whoamiCmd(), a.tokenCmd(), a.kubeconfigCmd(),
		a.usersCmd(), a.serviceAccountsCmd(), a.apiKeysCmd(), a.tenantsCmd(), a.namespacesCmd(), a.membersCmd(), a.plansCmd(), a.quotaCmd(), a.usageCmd(), a.costCmd(), a.eventsCmd())
	return root
}

func (a *app) close() {
	for _, c := range a.conns {
		_ = c.Close()
	}
}
