package deploytest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestAuthenticationConfigMatchesIssuer: kube-apiserver trusts tokens only
// if its AuthenticationConfiguration names exactly the issuer and audience
// the services are given (ConfigMap landlord-issuer).
func TestAuthenticationConfigMatchesIssuer(t *testing.T) {
	r := render(t)
	var issuer, audience string
	for _, cm := range r.configMaps {
		if strings.HasPrefix(cm.Name, "landlord-issuer") {
			issuer, audience = cm.Data["issuer"], cm.Data["audience"]
		}
	}
	if issuer == "" || audience == "" {
		t.Fatal("no ConfigMap landlord-issuer with issuer and audience in the render")
	}
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "base", "apiserver", "authentication-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		APIVersion, Kind string
		JWT              []struct {
			Issuer struct {
				URL       string
				Audiences []string
			}
		}
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("authentication-config.yaml: %v", err)
	}
	if cfg.APIVersion != "apiserver.config.k8s.io/v1" || cfg.Kind != "AuthenticationConfiguration" || len(cfg.JWT) != 1 {
		t.Fatalf("authentication-config.yaml: %s %s with %d issuers, want one apiserver.config.k8s.io/v1 AuthenticationConfiguration issuer",
			cfg.APIVersion, cfg.Kind, len(cfg.JWT))
	}
	got := cfg.JWT[0].Issuer
	if got.URL != issuer || !slices.Contains(got.Audiences, audience) {
		t.Errorf("authentication-config.yaml trusts %s for %v; the services use %s for %s", got.URL, got.Audiences, issuer, audience)
	}
}
