package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientauthv1 "k8s.io/client-go/pkg/apis/clientauthentication/v1"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/devclusterproc"
	"github.com/landlord-dev/landlord/services/landlordctl/config"
	"github.com/landlord-dev/landlord/services/landlordctl/kubeconfig"
)

func (a *app) tokenCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "token",
		Short: "Print an ExecCredential with a fresh access token (kubectl's credential plugin)",
		Long: `Print a client.authentication.k8s.io/v1 ExecCredential holding an access token
valid for at least another minute, refreshing the session first if needed.
Parallel calls refresh once: the refresh runs under a lock on the credentials
file. kubectl runs this through the context "landlordctl kubeconfig" writes;
you rarely need to run it yourself.`,
		Example: `  # What kubectl sees
  landlordctl token`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := a.tokens(cmd.Context())
			if err != nil {
				return err
			}
			exp := metav1.NewTime(t.AccessExpiry)
			cred := clientauthv1.ExecCredential{
				TypeMeta: metav1.TypeMeta{APIVersion: clientauthv1.SchemeGroupVersion.String(), Kind: "ExecCredential"},
				Status:   &clientauthv1.ExecCredentialStatus{Token: t.AccessToken, ExpirationTimestamp: &exp},
			}
			return json.NewEncoder(a.out).Encode(cred)
		},
	}
}

func (a *app) kubeconfigCmd() *cobra.Command {
	var tenant, namespace, path, server, caFile, contextName, command string
	cmd := &cobra.Command{
		Use:   "kubeconfig --tenant TENANT",
		Short: "Write a kubectl context for a tenant, authenticated by landlordctl",
		Long: `Add (or replace) a context for the tenant in your kubeconfig and make it the
current one, keeping every other context. Its user runs "landlordctl token", so
kubectl always holds a fresh token. The API server and its CA come from the dev
cluster's landlord-dev.json (saved by login) unless --server and
--certificate-authority say otherwise.`,
		Example: `  # Context landlord-acme, in acme's first namespace
  landlordctl kubeconfig --tenant acme
  kubectl get configmaps

  # In namespace "web" of tenant acme, written to a file of its own
  landlordctl kubeconfig --tenant acme --namespace web --kubeconfig ./acme.kubeconfig`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			clusterNS, err := a.clusterNamespace(cmd, cfg, tenant, namespace)
			if err != nil {
				return err
			}
			c := kubeconfig.Context{Name: contextName, Cluster: "landlord", User: "landlord", Namespace: clusterNS,
				Server: server, Command: command, Args: []string{"token", "--config-dir", a.dir}}
			if c.Name == "" {
				c.Name = "landlord-" + tenant
			}
			if err := a.clusterFromEnv(cfg, &c, caFile); err != nil {
				return err
			}
			if c.Command == "" {
				if c.Command, err = os.Executable(); err != nil {
					return err
				}
			}
			if err := kubeconfig.Merge(path, c); err != nil {
				return err
			}
			// The cached token may predate the caller's role in the
			// tenant (a membership set a moment ago): kubectl's first
			// call should not be refused for it.
			if _, err := a.store().Renew(cmd.Context(), a.refresh); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Context %q (namespace %s) written to %s and made current.\n", c.Name, clusterNS, path)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&tenant, "tenant", "", "the tenant (required)")
	f.StringVar(&namespace, "namespace", "", "the tenant's namespace to use (default: its first)")
	f.StringVar(&path, "kubeconfig", kubeconfig.DefaultPath(), "the kubeconfig file to write")
	f.StringVar(&server, "server", "", "the API server URL (default: the dev cluster's)")
	f.StringVar(&caFile, "certificate-authority", "", "the API server's CA (default: the dev cluster's)")
	f.StringVar(&contextName, "context", "", "the context's name (default landlord-TENANT)")
	f.StringVar(&command, "exec-command", "", "the landlordctl kubectl runs (default: this one)")
	_ = cmd.MarkFlagRequired("tenant")
	return cmd
}

// clusterNamespace is the Kubernetes namespace behind the tenant's
// namespace name (its first if name is empty).
func (a *app) clusterNamespace(cmd *cobra.Command, cfg config.Config, tenant, name string) (string, error) {
	ctx, conn, err := a.service(cmd.Context(), func(c config.Config) string { return c.Provisioning })
	if err != nil {
		return "", err
	}
	resp, err := provisioningv1.NewTenantServiceClient(conn).GetTenant(ctx, &provisioningv1.GetTenantRequest{Name: tenant})
	if err != nil {
		return "", err
	}
	for _, ns := range resp.GetTenant().GetNamespaces() {
		if name == "" || ns.GetName() == name {
			if ns.GetClusterName() != "" {
				return ns.GetClusterName(), nil
			}
		}
	}
	if name == "" {
		return "", fmt.Errorf("tenant %s has no namespace yet", tenant)
	}
	return "", fmt.Errorf("tenant %s has no namespace %q", tenant, name)
}

// clusterFromEnv fills c's server and CA, from flags or the dev env.
func (a *app) clusterFromEnv(cfg config.Config, c *kubeconfig.Context, caFile string) error {
	if c.Server == "" || caFile == "" {
		if cfg.DevClusterEnv == "" {
			return errors.New("no dev cluster env: pass --server and --certificate-authority")
		}
		env, err := devclusterproc.ReadEnvFile(cfg.DevClusterEnv)
		if err != nil {
			return fmt.Errorf("dev cluster env: %w (pass --server and --certificate-authority)", err)
		}
		if c.Server == "" {
			c.Server = env.APIServer
		}
		if caFile == "" {
			caFile = env.CACert
		}
	}
	data, err := os.ReadFile(caFile)
	if err != nil {
		return err
	}
	c.CAData = data
	return nil
}
