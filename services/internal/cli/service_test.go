package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/pflag"

	"github.com/landlord-dev/landlord/services/internal/certs"
)

// A dev cluster's kubeconfig beats $KUBECONFIG, and --kubeconfig beats both.
func TestDevClusterKubeconfigBeatsTheShellsButNotTheFlag(t *testing.T) {
	envFile := filepath.Join(t.TempDir(), "landlord-dev.json")
	if err := os.WriteFile(envFile, []byte(`{"kubeconfig":"/dev/cluster.kubeconfig","caCert":"/dev/ca.crt"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", "/home/me/.kube/production")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--devcluster-env", envFile}, "/dev/cluster.kubeconfig"},
		{[]string{"--devcluster-env", envFile, "--kubeconfig", "/chosen"}, "/chosen"},
		{nil, "/home/me/.kube/production"},
	} {
		var kubeconfig, issuer, issuerCA, audience string
		s := ClusterService{Name: "quota", Kubeconfig: &kubeconfig, Issuer: &issuer, IssuerCA: &issuerCA, Audience: &audience, API: &certs.Files{}}
		f := pflag.NewFlagSet("test", pflag.ContinueOnError)
		s.Flags(f, "the cluster")
		if err := f.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		if err := s.ApplyDevEnv(); err != nil {
			t.Fatal(err)
		}
		if kubeconfig != c.want {
			t.Errorf("%v: kubeconfig %q, want %q", c.args, kubeconfig, c.want)
		}
	}
}
