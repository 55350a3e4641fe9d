// Package plans is what rendering needs of a plan (tier): its container
// defaults, what its tenants may use besides quota (Service types,
// RuntimeClasses, egress) and its API Priority and Fairness tier. Plans
// come from the quota service, which owns and validates them; budgets and
// namespace counts are the quota service's business and are not here.
package plans

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
)

// Plan is one tier, as rendering needs it.
type Plan struct {
	Name string
	// APITier is the API Priority and Fairness tier of the tenants'
	// Kubernetes requests (render.Tiers).
	APITier           string
	ContainerDefaults ContainerDefaults
	// RuntimeClasses, when not empty, are the only RuntimeClasses the
	// tier's pods may run under (sandboxes such as gVisor or Kata).
	RuntimeClasses []string
	// ServiceTypes are the Service types the tier allows besides
	// ClusterIP: NodePort, LoadBalancer, ExternalName.
	ServiceTypes []corev1.ServiceType
	// Egress is where the tier's pods may connect.
	Egress Egress
}

// ContainerDefaults are each namespace's LimitRange for containers.
type ContainerDefaults struct {
	// Request and Limit are what a container gets when it sets none.
	Request corev1.ResourceList
	Limit   corev1.ResourceList
	// Max bounds each container's limits.
	Max corev1.ResourceList
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

// Events are the one kind tenant roles can create that quota cannot count
// (Kubernetes' quota ignores them); an admission policy refuses them to
// tenant identities instead (render.NoTenantEvents).

// Source is where the operator and the API find plans: the quota
// service's, as last received (quotasync), or a Table.
type Source interface {
	// Plan returns the named plan, if there is one.
	Plan(name string) (*Plan, bool)
	// Names lists every plan, sorted.
	Names() []string
}

// Table maps plan names to plans; a fixed Source.
type Table map[string]*Plan

// Plan returns the named plan.
func (t Table) Plan(name string) (*Plan, bool) {
	p := t[name]
	return p, p != nil
}

// Names lists the table's plans, sorted.
func (t Table) Names() []string { return slices.Sorted(maps.Keys(t)) }

// FromProto converts one of the quota service's plans. The quota service
// validates plans; what is checked again here is what would otherwise
// reach the cluster wrong: quantities that do not parse, and names that
// travel comma-joined in namespace annotations the admission policies
// split again (a comma would allow what no one meant to).
func FromProto(p *quotav1.Plan) (*Plan, error) {
	if p.GetName() == "" {
		return nil, errors.New("plan without a name")
	}
	out := &Plan{Name: p.GetName(), APITier: p.GetApiTier(), Egress: Egress(p.GetEgress())}
	wrap := func(err error) error { return fmt.Errorf("plan %s: %w", p.GetName(), err) }
	cd := p.GetContainerDefaults()
	var err error
	if out.ContainerDefaults.Request, err = resourceList("container_defaults.request", cd.GetRequest()); err != nil {
		return nil, wrap(err)
	}
	if out.ContainerDefaults.Limit, err = resourceList("container_defaults.limit", cd.GetLimit()); err != nil {
		return nil, wrap(err)
	}
	if out.ContainerDefaults.Max, err = resourceList("container_defaults.max", cd.GetMax()); err != nil {
		return nil, wrap(err)
	}
	for _, rc := range p.GetRuntimeClasses() {
		if errs := validation.IsDNS1123Subdomain(rc); len(errs) > 0 {
			return nil, wrap(fmt.Errorf("runtime class %q: %s", rc, errs[0]))
		}
		if slices.Contains(out.RuntimeClasses, rc) {
			return nil, wrap(fmt.Errorf("runtime class %q twice", rc))
		}
		out.RuntimeClasses = append(out.RuntimeClasses, rc)
	}
	allowed := []corev1.ServiceType{corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeExternalName}
	for _, st := range p.GetServiceTypes() {
		if !slices.Contains(allowed, corev1.ServiceType(st)) {
			return nil, wrap(fmt.Errorf("service type %q: NodePort, LoadBalancer or ExternalName (ClusterIP is always allowed)", st))
		}
		out.ServiceTypes = append(out.ServiceTypes, corev1.ServiceType(st))
	}
	switch out.Egress {
	case "":
		out.Egress = EgressInternet
	case EgressTenant, EgressInternet, EgressOpen:
	default:
		return nil, wrap(fmt.Errorf("egress %q: Tenant, Internet or Open", out.Egress))
	}
	return out, nil
}

// resourceList parses a map of Kubernetes quantities; nil for none.
func resourceList(field string, m map[string]string) (corev1.ResourceList, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := make(corev1.ResourceList, len(m))
	for name, s := range m {
		q, err := resource.ParseQuantity(s)
		if err != nil {
			return nil, fmt.Errorf("%s[%s]: %q is not a quantity", field, name, s)
		}
		out[corev1.ResourceName(name)] = q
	}
	return out, nil
}
