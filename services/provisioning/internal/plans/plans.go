// Package plans is the built-in table of plans (tiers): per-namespace quota,
// container defaults and the namespace count. It is configuration, loaded
// from plans.yaml, until the quota service provides allocations.
package plans

import (
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// Plan is one tier.
type Plan struct {
	Name              string              `json:"name"`
	MaxNamespaces     int                 `json:"maxNamespaces"`
	APIShares         int32               `json:"apiShares"`
	NamespaceQuota    corev1.ResourceList `json:"namespaceQuota"`
	ContainerDefaults struct {
		Request corev1.ResourceList `json:"request"`
		Limit   corev1.ResourceList `json:"limit"`
		// Max bounds each container's limits.
		Max corev1.ResourceList `json:"max"`
	} `json:"containerDefaults"`
	// RuntimeClasses, when not empty, are the only RuntimeClasses the
	// tier's pods may run under (sandboxes such as gVisor or Kata).
	RuntimeClasses []string `json:"runtimeClasses,omitempty"`
	// ServiceTypes are the Service types the tier allows besides
	// ClusterIP: NodePort, LoadBalancer, ExternalName.
	ServiceTypes []corev1.ServiceType `json:"serviceTypes,omitempty"`
	// Egress is where the tier's pods may connect (EgressInternet if unset).
	Egress Egress `json:"egress,omitempty"`
}

// Egress says where a tenant's pods may open connections. Every mode
// allows cluster DNS; none allows the link-local range (the cloud metadata
// endpoint at 169.254.169.254).
type Egress string

// Egress modes, strictest first.
const (
	// EgressTenant: the tenant's own namespaces only.
	EgressTenant Egress = "Tenant"
	// EgressInternet: the tenant's own namespaces and the internet, but not
	// the cluster's internal ranges (other tenants, nodes, node ports).
	EgressInternet Egress = "Internet"
	// EgressOpen: anywhere but link-local, other tenants' pods included.
	EgressOpen Egress = "Open"
)

// RequiredQuota are the resources every plan must bound: node resources,
// exposure, and the count of every namespaced kind Landlord's tenant roles
// can create, so that no tenant can fill etcd for everyone. The
// integration tests walk what the roles can create in a real cluster and
// fail if it is not all here.
var RequiredQuota = []corev1.ResourceName{
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
// tenant identities instead (render.NoTenantEvents).

//go:embed plans.yaml
var builtin []byte

// Table maps plan names to plans.
type Table map[string]*Plan

// Builtin is the table shipped with Landlord.
func Builtin() (Table, error) { return Parse(builtin) }

// Parse reads a plans file and checks every plan.
func Parse(data []byte) (Table, error) {
	var file struct {
		Plans []*Plan `json:"plans"`
	}
	if err := yaml.UnmarshalStrict(data, &file); err != nil {
		return nil, fmt.Errorf("plans: %w", err)
	}
	table := Table{}
	for _, p := range file.Plans {
		if p.Name == "" || table[p.Name] != nil {
			return nil, fmt.Errorf("plans: missing or duplicate name %q", p.Name)
		}
		if p.MaxNamespaces < 1 || p.APIShares < 1 {
			return nil, fmt.Errorf("plan %s: maxNamespaces and apiShares must be at least 1", p.Name)
		}
		if err := p.check(); err != nil {
			return nil, fmt.Errorf("plan %s: %w", p.Name, err)
		}
		table[p.Name] = p
	}
	return table, nil
}

// check refuses a plan that would allow what Landlord promises never to.
func (p *Plan) check() error {
	var missing []string
	for _, must := range RequiredQuota {
		if _, ok := p.NamespaceQuota[must]; !ok {
			missing = append(missing, string(must))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("namespaceQuota must set %s", strings.Join(missing, ", "))
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
		for what, list := range map[string]corev1.ResourceList{"request": p.ContainerDefaults.Request, "limit": p.ContainerDefaults.Limit, "max": p.ContainerDefaults.Max} {
			if _, ok := list[r]; !ok {
				return fmt.Errorf("containerDefaults.%s must set %s", what, r)
			}
		}
		if limit, max := p.ContainerDefaults.Limit[r], p.ContainerDefaults.Max[r]; limit.Cmp(max) > 0 {
			return fmt.Errorf("containerDefaults: default limit of %s above the maximum", r)
		}
		// The API server refuses such a LimitRange: every tenant on the
		// plan would lack its defaults.
		if request, limit := p.ContainerDefaults.Request[r], p.ContainerDefaults.Limit[r]; request.Cmp(limit) > 0 {
			return fmt.Errorf("containerDefaults: default request of %s above the default limit", r)
		}
	}
	// Names travel comma-joined in a namespace annotation that an
	// admission policy splits again: each must be a RuntimeClass name.
	for _, rc := range p.RuntimeClasses {
		if errs := validation.IsDNS1123Subdomain(rc); len(errs) > 0 {
			return fmt.Errorf("runtime class %q: %s", rc, errs[0])
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(p.RuntimeClasses)))) != len(p.RuntimeClasses) {
		return errors.New("duplicate runtime class")
	}
	for _, st := range p.ServiceTypes {
		if !slices.Contains([]corev1.ServiceType{corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeExternalName}, st) {
			return fmt.Errorf("service type %q: NodePort, LoadBalancer or ExternalName (ClusterIP is always allowed)", st)
		}
	}
	switch p.Egress {
	case "":
		p.Egress = EgressInternet
	case EgressTenant, EgressInternet, EgressOpen:
	default:
		return fmt.Errorf("egress %q: Tenant, Internet or Open", p.Egress)
	}
	return nil
}
