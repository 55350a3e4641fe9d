package cluster

import (
	"os"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/landlord-dev/landlord/deploy/devcluster/internal/pki"
)

// Identities the dev PKI issues certificates to.
const (
	adminUser             = "landlord-dev-admin"
	controllerManagerUser = "system:kube-controller-manager"
	frontProxyUser        = "front-proxy-client"
)

// prepare creates (or reuses) the state directory's PKI, and rewrites the
// kubeconfigs, the authentication config and the env file for the
// configured ports.
func (c Config) prepare() error {
	for _, dir := range []string{c.StateDir, c.pkiDir(), c.path("etcd"), c.LogDir()} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	ca, err := pki.LoadOrCreateCA(c.pkiDir(), "ca")
	if err != nil {
		return err
	}
	// The front proxy (aggregation layer) has a CA of its own, so no
	// ordinary client certificate can pass for it.
	frontProxyCA, err := pki.LoadOrCreateCA(c.pkiDir(), "front-proxy-ca")
	if err != nil {
		return err
	}
	// Landlord's own services have a CA of their own: a certificate from it
	// is what lets one service call another's internal methods.
	landlordCA, err := pki.LoadOrCreateCA(c.pkiDir(), "landlord-ca")
	if err != nil {
		return err
	}
	steps := []func() error{
		func() error {
			return ca.Serving(c.pair("apiserver"), "kube-apiserver", "127.0.0.1", "::1", "localhost",
				"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "10.96.0.1")
		},
		func() error {
			return ca.Serving(c.pair("controller-manager-serving"), "kube-controller-manager", "127.0.0.1", "localhost")
		},
		func() error { return ca.Serving(c.pair("identity"), "landlord-identity", "127.0.0.1", "localhost") },
		func() error { return ca.Client(c.pair("admin"), adminUser, "system:masters") },
		func() error { return ca.Client(c.pair("controller-manager"), controllerManagerUser) },
		func() error { return frontProxyCA.Client(c.pair("front-proxy-client"), frontProxyUser) },
		func() error { return pki.SigningKey(c.pair("service-account")) },
		func() error { return c.writeKubeconfig(c.AdminKubeconfig(), adminUser, c.pair("admin")) },
		func() error {
			return c.writeKubeconfig(c.path("controller-manager.kubeconfig"), controllerManagerUser, c.pair("controller-manager"))
		},
	}
	for _, name := range LandlordServices {
		steps = append(steps, func() error { return landlordCA.Service(c.servicePair(name), name, "127.0.0.1", "::1", "localhost") })
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	caPEM, err := os.ReadFile(c.pair("ca").Cert)
	if err != nil {
		return err
	}
	// Rewritten on every start: the identity port may have changed.
	if err := os.WriteFile(c.AuthenticationConfig(), []byte(c.authenticationConfig(caPEM)), 0o600); err != nil {
		return err
	}
	return c.writeEnv()
}

func (c Config) pair(name string) pki.Pair { return pki.PairIn(c.pkiDir(), name) }

// LandlordServices are the services the dev PKI issues certificates for.
var LandlordServices = []string{"identity", "provisioning", "quota", "observability", "gateway"}

func (c Config) servicePair(name string) pki.Pair { return c.pair("landlord-" + name) }

// writeKubeconfig writes a self-contained kubeconfig (certificates embedded)
// so it keeps working when copied elsewhere.
func (c Config) writeKubeconfig(path, user string, creds pki.Pair) error {
	caPEM, err := os.ReadFile(c.pair("ca").Cert)
	if err != nil {
		return err
	}
	certPEM, err := os.ReadFile(creds.Cert)
	if err != nil {
		return err
	}
	keyPEM, err := os.ReadFile(creds.Key)
	if err != nil {
		return err
	}
	const name = "landlord-dev"
	kc := clientcmdapi.NewConfig()
	kc.Clusters[name] = &clientcmdapi.Cluster{Server: c.apiServerURL(), CertificateAuthorityData: caPEM}
	kc.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: certPEM, ClientKeyData: keyPEM}
	kc.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: user}
	kc.CurrentContext = name
	return clientcmd.WriteToFile(*kc, path)
}
