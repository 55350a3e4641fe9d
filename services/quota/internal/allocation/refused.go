package allocation

import (
	"errors"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/landlord-dev/landlord/services/internal/apierror"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// exceeded is the API server's quota refusal (the resourcequota admission
// plugin's wording): each list is "name=quantity" pairs joined by commas.
var exceeded = regexp.MustCompile(`exceeded quota: ([^,]+), requested: (\S*), used: (\S*), limited: (\S*)`)

// Refused handles a create the API server refused for the namespace's
// quota, as a workload controller reports it (a FailedCreate event): the
// namespace asks for enough to hold what it used plus what was asked,
// from free headroom or its siblings. Only Landlord's own quota counts;
// a message that says anything else is ignored.
func (a *Allocator) Refused(namespace, message string) error {
	m := exceeded.FindStringSubmatch(message)
	if m == nil || !slices.Contains(v1alpha1.QuotaNames, m[1]) {
		return nil
	}
	ns, err := a.Cluster.Namespace(namespace)
	if errors.Is(err, apierror.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	t, err := a.Cluster.Tenant(ns.Labels[v1alpha1.LabelTenant])
	if errors.Is(err, apierror.ErrNotFound) {
		return nil
	}
	if err != nil || !v1alpha1.Owns(t, ns) {
		return err
	}
	requested, used := pairs(m[2]), pairs(m[3])
	for name, req := range requested {
		total, err := sum(name, req, used[name])
		if err != nil {
			continue
		}
		_, err = a.Ledger.Ensure(t.Name, namespace, name, total)
		var bad *apierror.InvalidArgumentError
		if err != nil && !errors.Is(err, apierror.ErrNotFound) && !errors.As(err, &bad) {
			return err
		}
	}
	return nil
}

func pairs(list string) map[string]string {
	out := map[string]string{}
	for _, p := range strings.Split(list, ",") {
		if name, q, ok := strings.Cut(p, "="); ok {
			out[name] = q
		}
	}
	return out
}

// sum is used + requested in ledger units, rounded up.
func sum(name, requested, used string) (int64, error) {
	r, err := resource.ParseQuantity(requested)
	if err != nil {
		return 0, err
	}
	if used != "" {
		u, err := resource.ParseQuantity(used)
		if err != nil {
			return 0, err
		}
		r.Add(u)
	}
	return toUnits(name, r)
}
