package devclusterproc

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/landlord-dev/landlord/services/internal/certs"
)

// Env is landlord-dev.json in a dev cluster's state directory: where the
// cluster is and where identity must serve for the API server to trust it.
type Env struct {
	APIServer  string `json:"apiServer"`
	Kubeconfig string `json:"kubeconfig"`
	CACert     string `json:"caCert"`
	Identity   struct {
		Issuer   string `json:"issuer"`
		Address  string `json:"address"`
		Audience string `json:"audience"`
		TLSCert  string `json:"tlsCert"`
		TLSKey   string `json:"tlsKey"`
	} `json:"identity"`
	// Landlord is the TLS material of Landlord's services: the CA they
	// trust and verify peers against, and each service's certificate.
	Landlord struct {
		CACert   string `json:"caCert"`
		Services map[string]struct {
			Cert string `json:"cert"`
			Key  string `json:"key"`
		} `json:"services"`
	} `json:"landlord"`
}

// ReadEnv reads the env file of the cluster whose admin kubeconfig is at
// kubeconfig (both live in the state directory).
func ReadEnv(kubeconfig string) (*Env, error) {
	return ReadEnvFile(filepath.Join(filepath.Dir(kubeconfig), "landlord-dev.json"))
}

// ReadEnvFile reads a landlord-dev.json file.
func ReadEnvFile(path string) (*Env, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	env := &Env{}
	return env, json.Unmarshal(data, env)
}

// ServiceTLS is the certificate of Landlord service name, with the CA its
// peers verify it against (and it verifies them against).
func (e *Env) ServiceTLS(name string) certs.Files {
	s := e.Landlord.Services[name]
	return certs.Files{Cert: s.Cert, Key: s.Key, CA: e.Landlord.CACert}
}

// ClientTLS trusts Landlord's CA and presents no certificate: a user's
// client, which authenticates with a bearer token.
func (e *Env) ClientTLS() certs.Files { return certs.Files{CA: e.Landlord.CACert} }
