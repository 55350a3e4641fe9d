package plans

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
)

// RequiredQuota are the resources every plan's budget must bound: node
// resources, exposure, and the count of every namespaced kind Landlord's
// tenant roles can create, so that no tenant can fill etcd for everyone.
// Provisioning's integration tests walk what the roles can create in a
// real cluster and fail if it is not all here.
var RequiredQuota = []string{
	"requests.cpu", "requests.memory", "limits.cpu", "limits.memory",
	"requests.ephemeral-storage", "limits.ephemeral-storage", "requests.storage",
	"pods", "services", "services.nodeports", "services.loadbalancers",
	"persistentvolumeclaims", "replicationcontrollers",
	"count/configmaps", "count/secrets", "count/serviceaccounts",
	"count/deployments.apps", "count/replicasets.apps", "count/statefulsets.apps", "count/daemonsets.apps",
	"count/jobs.batch", "count/cronjobs.batch", "count/horizontalpodautoscalers.autoscaling",
	"count/ingresses.networking.k8s.io", "count/networkpolicies.networking.k8s.io",
	"count/poddisruptionbudgets.policy", "count/roles.rbac.authorization.k8s.io",
	"count/rolebindings.rbac.authorization.k8s.io", "count/leases.coordination.k8s.io",
	"count/resourceclaims.resource.k8s.io", "count/resourceclaimtemplates.resource.k8s.io",
}

// Events are the one kind tenant roles can create that quota cannot count
// (Kubernetes' quota ignores them); an admission policy refuses them to
// tenant identities instead.

// LandlordFloor is what Landlord's own objects take in every namespace, in
// ledger units: the role bindings of the four roles, the default network
// policy, and the service account and config map (kube-root-ca.crt) the
// cluster adds. Every namespace's minimum includes it, or provisioning
// could not finish a namespace the ledger admitted.
var LandlordFloor = ledger.Amounts{
	"count/rolebindings.rbac.authorization.k8s.io": 4,
	"count/networkpolicies.networking.k8s.io":      1,
	"count/serviceaccounts":                        1,
	"count/configmaps":                             1,
}

// aliases are bare names that mean (or read as) requests.* resources:
// ResourceQuota counts cpu as requests.cpu, so a budget naming both would
// be split and counted twice. The message names the one to use.
var aliases = map[string]string{
	"cpu":               "requests.cpu",
	"memory":            "requests.memory",
	"storage":           "requests.storage",
	"ephemeral-storage": "requests.ephemeral-storage",
}

const storageClassSuffix = ".storageclass.storage.k8s.io/"

// knownResource reports whether name is a ResourceQuota resource the
// ledger may manage: the required set, object counts, per-storage-class
// storage, and extended resources (which quota counts by request only).
func knownResource(name string) bool {
	if slices.Contains(RequiredQuota, name) {
		return true
	}
	if kind, ok := strings.CutPrefix(name, "count/"); ok {
		return lowerSubdomain(kind)
	}
	if class, what, ok := strings.Cut(name, storageClassSuffix); ok {
		return lowerSubdomain(class) && (what == "requests.storage" || what == "persistentvolumeclaims")
	}
	if ext, ok := strings.CutPrefix(name, "requests."); ok {
		domain, _, ok := strings.Cut(ext, "/")
		// Kubernetes reserves the kubernetes.io domains for native
		// resources, and an extended resource is always fully qualified.
		return ok && strings.Contains(domain, ".") && domain != "kubernetes.io" &&
			!strings.HasSuffix(domain, ".kubernetes.io") && len(validation.IsQualifiedName(ext)) == 0
	}
	return false
}

// lowerSubdomain reports whether s is a DNS-1123 subdomain (lower case).
func lowerSubdomain(s string) bool { return len(validation.IsDNS1123Subdomain(s)) == 0 }
