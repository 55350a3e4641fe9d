package tenants

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/pagetoken"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// Visible says whether the caller may see a tenant.
type Visible func(tenant string) bool

// List returns one page of the tenants visible passes and filter matches,
// in name order, from the informer cache: lists never load the API server.
func (s *Service) List(ctx context.Context, visible Visible, filter string, size int32, token string) ([]*v1alpha1.Tenant, string, error) {
	match, err := ParseFilter(filter)
	if err != nil {
		return nil, "", err
	}
	after, err := pagetoken.Decode(token, "tenants")
	if err != nil {
		return nil, "", err
	}
	all := &v1alpha1.TenantList{}
	// Read-only use, so no deep copy of every tenant per call.
	if err := s.Cache.List(ctx, all, client.UnsafeDisableDeepCopy); err != nil {
		return nil, "", err
	}
	var out []*v1alpha1.Tenant
	for i := range all.Items {
		t := &all.Items[i]
		if t.Name > after && visible(t.Name) && match(t) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b *v1alpha1.Tenant) int { return strings.Compare(a.Name, b.Name) })
	limit := pagetoken.Size(size)
	if len(out) <= limit {
		return out, "", nil
	}
	out = out[:limit]
	return out, pagetoken.Encode("tenants", out[limit-1].Name), nil
}

// ParseFilter reads "phase=ACTIVE plan=free": every term must hold.
func ParseFilter(filter string) (func(*v1alpha1.Tenant) bool, error) {
	var terms []func(*v1alpha1.Tenant) bool
	for _, term := range strings.Fields(filter) {
		key, value, ok := strings.Cut(term, "=")
		switch {
		case !ok:
			return nil, apierror.InvalidArgument("filter", fmt.Sprintf("%q is not key=value", term))
		case key == "plan":
			terms = append(terms, func(t *v1alpha1.Tenant) bool { return t.Spec.Plan == value })
		case key == "phase":
			phase, known := provisioningv1.Phase_value["PHASE_"+strings.ToUpper(value)]
			if !known {
				return nil, apierror.InvalidArgument("filter", fmt.Sprintf("no phase %q", value))
			}
			terms = append(terms, func(t *v1alpha1.Tenant) bool { return phaseToProto[t.Status.Phase] == provisioningv1.Phase(phase) })
		default:
			return nil, apierror.InvalidArgument("filter", fmt.Sprintf("cannot filter on %q; use phase or plan", key))
		}
	}
	return func(t *v1alpha1.Tenant) bool {
		for _, term := range terms {
			if !term(t) {
				return false
			}
		}
		return true
	}, nil
}
