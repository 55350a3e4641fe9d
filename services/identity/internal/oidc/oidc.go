// Package oidc serves identity's OpenID Connect discovery document and
// JSON Web Key Set over HTTPS: what kube-apiserver (and every Landlord
// service) fetches to verify Landlord tokens.
package oidc

import (
	"encoding/json"
	"net/http"

	"github.com/landlord-dev/landlord/services/identity/internal/signing"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

// JWKSPath is where the key set is served, relative to the issuer URL.
const JWKSPath = tokenverify.JWKSPath

// Handler serves discovery and the JWKS of the keyring keys returns, which
// may change as keys rotate.
func Handler(issuer string, keys func() *signing.Keyring) http.Handler {
	discovery, _ := json.Marshal(map[string]any{
		"issuer":                                issuer,
		"jwks_uri":                              issuer + JWKSPath,
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{tokenverify.Algorithm},
		"claims_supported":                      []string{"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "preferred_username", "groups", "landlord_tenant"},
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, discovery)
	})
	mux.HandleFunc("GET "+JWKSPath, func(w http.ResponseWriter, _ *http.Request) {
		body, err := json.Marshal(keys().JWKS())
		if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		writeJSON(w, body)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	// Verifiers refetch on an unknown kid; a short cache keeps load low
	// without delaying rotation.
	w.Header().Set("Cache-Control", "public, max-age=60")
	_, _ = w.Write(body)
}
