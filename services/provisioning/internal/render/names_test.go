package render_test

import (
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

func TestReservedNames(t *testing.T) {
	for name, reserved := range map[string]bool{
		"kube": true, "kube-x": true, "landlord": true, "openshift-apps": true,
		"kubernetes": false, "acme": false, "landlordly": false, "default": false,
	} {
		if got := render.ReservedTenantName(name) != ""; got != reserved {
			t.Errorf("tenant %q reserved = %v, want %v", name, got, reserved)
		}
	}
	for name, reserved := range map[string]bool{
		"kube-system": true, "kube-public": true, "landlord-system": true, "openshift-config": true,
		"default": true, "acme-system": true, "istio-system": true,
		"acme-web": false, "acme-systems": false, "defaults-web": false,
	} {
		if got := render.ReservedClusterName(name) != ""; got != reserved {
			t.Errorf("namespace %q reserved = %v, want %v", name, got, reserved)
		}
	}
}

// TestCRDSpellsTheSameReservedNames: the CRD's CEL rules refuse what the
// API refuses, so kubectl users meet the same rules.
func TestCRDSpellsTheSameReservedNames(t *testing.T) {
	data, err := os.ReadFile("../../crds/landlord.dev_tenants.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var crd struct {
		Spec struct {
			Versions []struct {
				Schema struct {
					OpenAPIV3Schema struct {
						Validations []struct{ Rule string } `json:"x-kubernetes-validations"`
					} `json:"openAPIV3Schema"`
				}
			}
		}
	}
	if err := yaml.Unmarshal(data, &crd); err != nil {
		t.Fatal(err)
	}
	var rules string
	for _, v := range crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Validations {
		rules += v.Rule + "\n"
	}
	for _, p := range render.ReservedPrefixes {
		if !strings.Contains(rules, "'"+p+"'") {
			t.Errorf("the CRD's rules do not reserve %q", p)
		}
	}
	if !strings.Contains(rules, "endsWith('"+render.ReservedSuffix+"')") {
		t.Errorf("the CRD's rules do not reserve names ending in %q", render.ReservedSuffix)
	}
}
