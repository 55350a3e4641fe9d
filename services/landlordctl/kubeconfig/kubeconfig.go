// Package kubeconfig writes a tenant's context into a kubeconfig file,
// keeping every other cluster, user and context in it. The context's
// user is an exec credential plugin (`landlordctl token`), so kubectl
// asks landlordctl for a fresh token on every run instead of holding one
// that dies within minutes.
package kubeconfig

import (
	"errors"
	"os"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Context is what Merge writes.
type Context struct {
	Name      string // context name, e.g. landlord-acme
	Cluster   string // cluster entry name
	Server    string // API server URL
	CAData    []byte // the API server's CA certificate (PEM)
	User      string // user entry name
	Namespace string
	// Command and Args run the credential plugin.
	Command string
	Args    []string
	Env     map[string]string
}

// Merge adds or replaces c's cluster, user and context in the kubeconfig
// at path (created if absent) and makes c the current context.
func Merge(path string, c Context) error {
	cfg, err := clientcmd.LoadFromFile(path)
	if errors.Is(err, os.ErrNotExist) {
		cfg, err = clientcmdapi.NewConfig(), nil
	}
	if err != nil {
		return err
	}
	cluster := clientcmdapi.NewCluster()
	cluster.Server, cluster.CertificateAuthorityData = c.Server, c.CAData
	cfg.Clusters[c.Cluster] = cluster

	user := clientcmdapi.NewAuthInfo()
	user.Exec = &clientcmdapi.ExecConfig{
		APIVersion:      "client.authentication.k8s.io/v1",
		Command:         c.Command,
		Args:            c.Args,
		InteractiveMode: clientcmdapi.NeverExecInteractiveMode, // token never prompts: login does
		InstallHint:     "landlordctl is Landlord's CLI; install it and run `landlordctl login`",
	}
	for k, v := range c.Env {
		user.Exec.Env = append(user.Exec.Env, clientcmdapi.ExecEnvVar{Name: k, Value: v})
	}
	cfg.AuthInfos[c.User] = user

	ctx := clientcmdapi.NewContext()
	ctx.Cluster, ctx.AuthInfo, ctx.Namespace = c.Cluster, c.User, c.Namespace
	cfg.Contexts[c.Name] = ctx
	cfg.CurrentContext = c.Name
	return clientcmd.WriteToFile(*cfg, path)
}

// DefaultPath is the kubeconfig kubectl reads by default: the first file
// of $KUBECONFIG, else ~/.kube/config.
func DefaultPath() string {
	if p := clientcmd.NewDefaultClientConfigLoadingRules().Precedence; len(p) > 0 {
		return p[0]
	}
	return clientcmd.RecommendedHomeFile
}
