package cli

import (
	"cmp"
	"os"

	"github.com/spf13/pflag"

	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/internal/devclusterproc"
)

// ClusterService holds the settings every service shares that reads the
// cluster and verifies identity's tokens, as pointers into its Config:
// the kubeconfig, the issuer, its CA and audience, the API certificate,
// and a dev cluster's env file that fills them in.
type ClusterService struct {
	Name                                   string // the service, for its certificate in the dev PKI
	Kubeconfig, Issuer, IssuerCA, Audience *string
	API                                    *certs.Files
	devEnv                                 string
	flags                                  *pflag.FlagSet
}

// Flags registers the shared flags; kubeconfig says what the service does
// with the cluster.
func (s *ClusterService) Flags(f *pflag.FlagSet, kubeconfig string) {
	s.flags = f
	f.StringVar(s.Kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), kubeconfig)
	f.StringVar(&s.devEnv, "devcluster-env", "", "take the kubeconfig (unless given), issuer and its CA, and the API certificate from a dev cluster's landlord-dev.json")
	APITLSFlags(f, s.API)
	f.StringVar(s.Issuer, "issuer", *s.Issuer, "identity's token issuer URL (https)")
	f.StringVar(s.IssuerCA, "issuer-ca", *s.IssuerCA, "CA certificate (PEM) of the issuer's TLS (empty: system roots)")
	f.StringVar(s.Audience, "audience", *s.Audience, "audience of identity's tokens")
}

// ApplyDevEnv fills the settings in from --devcluster-env, if given; a
// kubeconfig or certificate given by flag wins. $KUBECONFIG (the flag's
// default) does not: one left in the shell must not aim a dev stack at
// another cluster.
func (s *ClusterService) ApplyDevEnv() error {
	if s.devEnv == "" {
		return nil
	}
	env, err := devclusterproc.ReadEnvFile(s.devEnv)
	if err != nil {
		return err
	}
	if s.flags == nil || !s.flags.Changed("kubeconfig") {
		*s.Kubeconfig = cmp.Or(env.Kubeconfig, *s.Kubeconfig)
	}
	*s.IssuerCA = env.CACert
	*s.Issuer, *s.Audience = env.Identity.Issuer, env.Identity.Audience
	if !s.API.Enabled() {
		*s.API = env.ServiceTLS(s.Name)
	}
	return nil
}
