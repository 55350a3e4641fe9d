package tokenverify

import (
	"fmt"
	"os"
)

// ForIssuer verifies tokens of issuer for audience against the keys it
// publishes at JWKSPath, fetched over HTTPS trusting the CA in caFile
// (PEM; empty trusts the system roots). It is how every service but
// identity checks identity's tokens.
func ForIssuer(issuer, audience, caFile string) (*Verifier, error) {
	var ca []byte
	if caFile != "" {
		var err error
		if ca, err = os.ReadFile(caFile); err != nil {
			return nil, fmt.Errorf("issuer CA: %w", err)
		}
	}
	jwks, err := NewRemoteJWKS(issuer+JWKSPath, ca)
	if err != nil {
		return nil, err
	}
	return &Verifier{Issuer: issuer, Audience: audience, Keys: jwks}, nil
}
