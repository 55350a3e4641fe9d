package plans

import (
	"fmt"
	"maps"
	"regexp"
	"slices"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
)

// Tiers are the API Priority and Fairness tiers a plan may name:
// provisioning keeps one priority level per tier.
var Tiers = []string{"free", "standard", "enterprise", "isolated"}

var (
	planName = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$`)
	// ClusterIP is always allowed; these are the exposing types.
	serviceTypes = []string{"NodePort", "LoadBalancer", "ExternalName"}
	// "" is Internet, the default.
	egresses = []string{"", "Tenant", "Internet", "Open"}
	// containerResources are what a LimitRange default needs and the only
	// ones Landlord's LimitRange sets.
	containerResources = []string{"cpu", "memory", "ephemeral-storage"}
)

// maxNamespaces bounds max_namespaces, as the API does.
const maxNamespaces = 1000

// Validate checks a whole plan and reports every problem at once, so that
// an admin fixes a plan in one round trip.
func Validate(p *quotav1.Plan) error {
	var v violations
	if !planName.MatchString(p.GetName()) {
		v.add("plan.name", "lower-case letters, digits and dashes, starting with a letter; at most 40")
	}
	budget := v.resources("plan.budget", p.GetBudget())
	for _, r := range RequiredQuota {
		if _, ok := p.GetBudget()[r]; !ok {
			v.add(key("plan.budget", r), "required")
		}
	}
	minimum := v.shares("plan.namespace_minimum", p.GetNamespaceMinimum(), p.GetBudget(), budget)
	initial := v.shares("plan.namespace_initial", p.GetNamespaceInitial(), p.GetBudget(), budget)
	for _, r := range sorted(initial) {
		if m, ok := minimum[r]; ok && m.Cmp(initial[r]) > 0 {
			v.add(key("plan.namespace_initial", r), "below the namespace minimum")
		}
	}
	if n := p.GetMaxNamespaces(); n < 1 || n > maxNamespaces {
		v.add("plan.max_namespaces", fmt.Sprintf("must be between 1 and %d", maxNamespaces))
	} else {
		for _, r := range sorted(LandlordFloor) {
			if q, ok := budget[r]; ok {
				limit, _ := ledger.ToUnits(r, q, false) // resources checked it fits
				v.floor(key("plan.budget", r), r, limit, int(n))
			}
		}
	}
	v.containerDefaults(p.GetContainerDefaults())
	v.names("plan.service_types", p.GetServiceTypes(), func(st string) string {
		if !slices.Contains(serviceTypes, st) {
			return "NodePort, LoadBalancer or ExternalName (ClusterIP is always allowed)"
		}
		return ""
	})
	// Names travel comma-joined in a namespace annotation that an admission
	// policy splits again: each must be a RuntimeClass name.
	v.names("plan.runtime_classes", p.GetRuntimeClasses(), func(rc string) string {
		if errs := validation.IsDNS1123Subdomain(rc); len(errs) > 0 {
			return errs[0]
		}
		return ""
	})
	if !slices.Contains(egresses, p.GetEgress()) {
		v.add("plan.egress", "Tenant, Internet or Open")
	}
	if !slices.Contains(Tiers, p.GetApiTier()) {
		v.add("plan.api_tier", fmt.Sprintf("one of %v", Tiers))
	}
	v.rateLimit("plan.rate_limit", p.GetRateLimit())
	return v.err()
}

// violations collects the problems of one request.
type violations []apierror.FieldViolation

func (v *violations) add(field, description string) {
	*v = append(*v, apierror.FieldViolation{Field: field, Description: description})
}

func (v violations) err() error {
	if len(v) == 0 {
		return nil
	}
	return &apierror.InvalidArgumentError{Violations: v}
}

// key is the path of a map entry, e.g. plan.budget["pods"].
func key(field, k string) string { return fmt.Sprintf("%s[%q]", field, k) }

func sorted[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// quantity parses an amount of the named resource; ok is false, and a
// violation recorded, unless the ledger can hold it.
func (v *violations) quantity(field, name, s string) (q resource.Quantity, ok bool) {
	q, err := resource.ParseQuantity(s)
	switch {
	case err != nil:
		v.add(field, "not a quantity")
	case q.Sign() < 0:
		v.add(field, "must not be negative")
	default:
		if _, err := ledger.ToUnits(name, q, false); err != nil {
			v.add(field, "too large: at most 2^53 units")
			return q, false
		}
		return q, true
	}
	return q, false
}

// resourceName records why name cannot be budgeted, if it cannot.
func (v *violations) resourceName(field, name string) bool {
	if target, ok := aliases[name]; ok {
		v.add(field, fmt.Sprintf("an alias of %s, which would be counted twice: name %s", target, target))
		return false
	}
	if !knownResource(name) {
		v.add(field, "unknown resource name")
		return false
	}
	return true
}

// resources checks a budget's names and amounts and returns the good ones.
func (v *violations) resources(field string, m map[string]string) map[string]resource.Quantity {
	out := map[string]resource.Quantity{}
	for _, r := range sorted(m) {
		f := key(field, r)
		nameOK := v.resourceName(f, r)
		if q, ok := v.quantity(f, r, m[r]); ok && nameOK {
			out[r] = q
		}
	}
	return out
}

// shares checks per-namespace amounts against the budget they come from.
func (v *violations) shares(field string, m, budget map[string]string, parsed map[string]resource.Quantity) map[string]resource.Quantity {
	out := map[string]resource.Quantity{}
	for _, r := range sorted(m) {
		f := key(field, r)
		if _, ok := budget[r]; !ok {
			v.add(f, "not in the budget")
			continue
		}
		q, ok := v.quantity(f, r, m[r])
		if !ok {
			continue
		}
		if limit, ok := parsed[r]; ok && q.Cmp(limit) > 0 {
			v.add(f, "above the budget")
		}
		out[r] = q
	}
	return out
}

// floor records a limit too small for Landlord's own objects in n
// namespaces.
func (v *violations) floor(field, r string, limit int64, n int) {
	if need := LandlordFloor[r] * int64(n); limit < need {
		v.add(field, fmt.Sprintf("below %d: max_namespaces × %d, what Landlord's own objects take in each namespace", need, LandlordFloor[r]))
	}
}

func (v *violations) containerDefaults(cd *quotav1.ContainerDefaults) {
	const field = "plan.container_defaults"
	if cd == nil {
		v.add(field, "required")
		return
	}
	lists := []struct {
		field string
		m     map[string]string
	}{{field + ".request", cd.GetRequest()}, {field + ".limit", cd.GetLimit()}, {field + ".max", cd.GetMax()}}
	parsed := make([]map[string]resource.Quantity, len(lists))
	for i, l := range lists {
		parsed[i] = map[string]resource.Quantity{}
		for _, r := range sorted(l.m) {
			if !slices.Contains(containerResources, r) {
				v.add(key(l.field, r), "only cpu, memory and ephemeral-storage")
			} else if q, ok := v.quantity(key(l.field, r), r, l.m[r]); ok {
				parsed[i][r] = q
			}
		}
		for _, r := range containerResources {
			if _, ok := l.m[r]; !ok {
				v.add(key(l.field, r), "required")
			}
		}
	}
	// The API server refuses a LimitRange whose default request exceeds
	// its default limit, or whose default limit exceeds its max: every
	// tenant on the plan would be left without defaults.
	for _, r := range containerResources {
		for i, above := range []string{"above the default limit", "above the maximum"} {
			lo, ok1 := parsed[i][r]
			hi, ok2 := parsed[i+1][r]
			if ok1 && ok2 && lo.Cmp(hi) > 0 {
				v.add(key(lists[i].field, r), above)
			}
		}
	}
}

// names checks a list of names with bad (which says what is wrong with
// one, or "") and refuses duplicates.
func (v *violations) names(field string, list []string, bad func(string) string) {
	for i, s := range list {
		f := fmt.Sprintf("%s[%d]", field, i)
		if why := bad(s); why != "" {
			v.add(f, why)
		} else if slices.Index(list, s) < i {
			v.add(f, "duplicate")
		}
	}
}

func (v *violations) rateLimit(field string, rl *quotav1.RateLimit) {
	if rl == nil {
		return
	}
	if rps := rl.GetRequestsPerSecond(); !(rps > 0 && rps <= 1e6) { // also refuses NaN
		v.add(field+".requests_per_second", "must be above 0 and at most 1000000")
	}
	if b := rl.GetBurst(); b < 1 || b > 1e6 {
		v.add(field+".burst", "must be between 1 and 1000000")
	}
	// 0 leaves the concurrency to the gateway's default (plans stored
	// before these limits existed have none).
	if n := rl.GetMaxInFlight(); n < 0 || n > 100_000 {
		v.add(field+".max_in_flight", "must be between 0 (the gateway's default) and 100000")
	}
	if n := rl.GetMaxStreams(); n < 0 || n > 10_000 {
		v.add(field+".max_streams", "must be between 0 (the gateway's default) and 10000")
	}
}
