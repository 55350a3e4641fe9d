package render

import (
	"fmt"
	"strings"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// ClusterName is a tenant namespace's name in the cluster. Tenant and
// namespace names may both contain "-", so two pairs can spell the same
// name ("acme" + "corp-prod" and "acme-corp" + "prod"): the mapping is not
// injective, and the namespace object itself is the claim. The operator
// writes only to a namespace it created for this Tenant (controller owner
// reference with the Tenant's UID) and the API refuses a name another
// tenant or the cluster already has.
func ClusterName(tenant, namespace string) string { return v1alpha1.ClusterName(tenant, namespace) }

// ReservedPrefixes start the names of namespaces that belong to the
// cluster and its platform, never to a tenant. The Tenant CRD's CEL rules
// (api/v1alpha1) spell the same list; a test holds them together.
var ReservedPrefixes = []string{"kube-", "landlord-", "openshift-"}

// ReservedSuffix ends the names platform components install into
// (istio-system, gatekeeper-system, ...): a tenant that held one before the
// component was installed would own the component's namespace.
const ReservedSuffix = "-system"

// ReservedNames are namespaces every cluster has.
var ReservedNames = []string{"default"}

// ReservedTenantName says why no tenant may be called name: every one of
// its namespaces would start with a reserved prefix. "" means it may.
func ReservedTenantName(name string) string {
	for _, p := range ReservedPrefixes {
		if name+"-" == p || strings.HasPrefix(name, p) {
			return fmt.Sprintf("tenant names may not be %q or start with %q: those namespaces belong to the cluster", strings.TrimSuffix(p, "-"), p)
		}
	}
	return ""
}

// ReservedClusterName says why a tenant may not have a namespace of this
// cluster name; "" means it may.
func ReservedClusterName(name string) string {
	for _, p := range ReservedPrefixes {
		if strings.HasPrefix(name, p) {
			return fmt.Sprintf("namespace %q is reserved: names starting with %q belong to the cluster", name, p)
		}
	}
	if strings.HasSuffix(name, ReservedSuffix) {
		return fmt.Sprintf("namespace %q is reserved: names ending in %q belong to platform components", name, ReservedSuffix)
	}
	for _, n := range ReservedNames {
		if name == n {
			return fmt.Sprintf("namespace %q is reserved", name)
		}
	}
	return ""
}
