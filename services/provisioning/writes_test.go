package provisioning

import "testing"

func TestResource(t *testing.T) {
	for path, want := range map[string]string{
		"/api/v1/namespaces":                                             "namespaces",
		"/api/v1/namespaces/acme-web":                                    "namespaces",
		"/api/v1/namespaces/acme-web/finalize":                           "namespaces/finalize",
		"/api/v1/namespaces/acme-web/resourcequotas":                     "resourcequotas",
		"/api/v1/namespaces/acme-web/resourcequotas/q":                   "resourcequotas",
		"/apis/landlord.dev/v1alpha1/tenants/acme/status":                "tenants/status",
		"/apis/rbac.authorization.k8s.io/v1/namespaces/x/rolebindings/b": "rolebindings",
		"/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas/f":            "flowschemas",
		"/healthz": "other",
	} {
		if got := resource(path); got != want {
			t.Errorf("resource(%s) = %s, want %s", path, got, want)
		}
	}
}
