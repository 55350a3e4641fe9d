// Package plans is the built-in table of plans (tiers): per-namespace quota,
// container defaults and the namespace count. It is configuration, loaded
// from plans.yaml, until the quota service provides allocations.
package plans

import (
	_ "embed"
	"fmt"
	"slices"

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
	} `json:"containerDefaults"`
	// RuntimeClasses, when not empty, are the only RuntimeClasses the
	// tier's pods may run under (sandboxes such as gVisor or Kata).
	RuntimeClasses []string `json:"runtimeClasses,omitempty"`
}

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
		// Without these, a plan would allow what Landlord promises it never does.
		for _, must := range []corev1.ResourceName{corev1.ResourceServicesNodePorts, corev1.ResourceServicesLoadBalancers, corev1.ResourcePods} {
			if _, ok := p.NamespaceQuota[must]; !ok {
				return nil, fmt.Errorf("plan %s: namespaceQuota must set %s", p.Name, must)
			}
		}
		// Names travel comma-joined in a namespace annotation that an
		// admission policy splits again: each must be a RuntimeClass name.
		for _, rc := range p.RuntimeClasses {
			if errs := validation.IsDNS1123Subdomain(rc); len(errs) > 0 {
				return nil, fmt.Errorf("plan %s: runtime class %q: %s", p.Name, rc, errs[0])
			}
		}
		if len(slices.Compact(slices.Sorted(slices.Values(p.RuntimeClasses)))) != len(p.RuntimeClasses) {
			return nil, fmt.Errorf("plan %s: duplicate runtime class", p.Name)
		}
		table[p.Name] = p
	}
	return table, nil
}
