package observability_test

import (
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/landlord-dev/landlord/services/stacktest"
)

// The observability service's ServiceAccount reads what usage needs and
// nothing more: no secrets (not even their names), no writes anywhere.
// A stolen credential of the service reads no tenant's secrets and
// changes nothing.
func TestServiceAccountOnlyReads(t *testing.T) {
	e := started(t)
	for _, c := range []struct {
		verb, group, resource string
		allowed               bool
	}{
		{"list", "", "pods", true},
		{"watch", "apps", "deployments", true},
		{"list", "landlord.dev", "tenants", true},
		{"watch", "", "events", true},
		{"create", "", "events", false},
		{"list", "", "secrets", false},
		{"get", "", "secrets", false},
		{"create", "", "pods", false},
		{"delete", "", "namespaces", false},
		{"patch", "apps", "deployments", false},
		{"update", "landlord.dev", "tenants", false},
		{"create", "", "pods/exec", false},
	} {
		review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User: stacktest.ObservabilityUser, Groups: []string{"system:serviceaccounts", "system:authenticated"},
			ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: c.verb, Group: c.group, Resource: c.resource, Namespace: "obs-usg-a"}}}
		got, err := e.kube.AuthorizationV1().SubjectAccessReviews().Create(t.Context(), review, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status.Allowed != c.allowed {
			t.Errorf("%s %s.%s: allowed %v, want %v", c.verb, c.resource, c.group, got.Status.Allowed, c.allowed)
		}
	}
}
