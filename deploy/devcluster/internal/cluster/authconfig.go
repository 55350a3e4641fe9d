package cluster

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
)

// Audience is the audience kube-apiserver requires in Landlord tokens.
const Audience = "landlord"

// authenticationConfig makes kube-apiserver trust Landlord's identity
// service as a JWT issuer: the user is the token's preferred_username with a
// "landlord:" prefix, the groups are its groups claim. A rule refuses any
// group outside landlord:, so not even a compromised issuer can hand out
// system:masters. kube-apiserver re-reads the file while running.
func (c Config) authenticationConfig(caPEM []byte) string {
	indented := "      " + strings.ReplaceAll(strings.TrimSpace(string(caPEM)), "\n", "\n      ")
	return `apiVersion: apiserver.config.k8s.io/v1
kind: AuthenticationConfiguration
jwt:
- issuer:
    url: ` + c.IdentityIssuer() + `
    audiences: [` + Audience + `]
    certificateAuthority: |
` + indented + `
  claimMappings:
    username:
      claim: preferred_username
      prefix: "landlord:"
    groups:
      claim: groups
      prefix: ""
  userValidationRules:
  - expression: "user.groups.all(g, g.startsWith('landlord:'))"
    message: "Landlord tokens may carry only landlord: groups"
`
}

// Env describes a running dev cluster to Landlord's services and tests
// (landlord-dev.json in the state directory).
type Env struct {
	APIServer  string      `json:"apiServer"`
	Kubeconfig string      `json:"kubeconfig"`
	CACert     string      `json:"caCert"`
	Identity   IdentityEnv `json:"identity"`
	Landlord   LandlordEnv `json:"landlord"`
}

// LandlordEnv is the TLS material of Landlord's own services: the CA that
// signs them, which clients trust and servers verify peers against, and
// each service's certificate (serving and client).
type LandlordEnv struct {
	CACert   string             `json:"caCert"`
	Services map[string]CertEnv `json:"services"`
}

// CertEnv is a certificate and its key.
type CertEnv struct {
	Cert string `json:"cert"`
	Key  string `json:"key"`
}

// IdentityEnv is where identity must serve for the API server to trust it.
type IdentityEnv struct {
	Issuer   string `json:"issuer"`
	Address  string `json:"address"`
	Audience string `json:"audience"`
	TLSCert  string `json:"tlsCert"`
	TLSKey   string `json:"tlsKey"`
}

func (c Config) writeEnv() error {
	abs := func(p string) string {
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	env := Env{
		APIServer:  c.apiServerURL(),
		Kubeconfig: abs(c.AdminKubeconfig()),
		CACert:     abs(c.pair("ca").Cert),
		Identity: IdentityEnv{
			Issuer:   c.IdentityIssuer(),
			Address:  loopback(c.IdentityPort),
			Audience: Audience,
			TLSCert:  abs(c.pair("identity").Cert),
			TLSKey:   abs(c.pair("identity").Key),
		},
	}
	env.Landlord = LandlordEnv{CACert: abs(c.pair("landlord-ca").Cert), Services: map[string]CertEnv{}}
	for _, name := range LandlordServices {
		p := c.servicePair(name)
		env.Landlord.Services[name] = CertEnv{Cert: abs(p.Cert), Key: abs(p.Key)}
	}
	data, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(c.EnvFile(), append(data, '\n'), 0o600)
}
