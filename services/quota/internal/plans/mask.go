package plans

import (
	"fmt"
	"maps"
	"slices"

	"google.golang.org/protobuf/proto"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// Update masks name whole top-level fields only: a map or list is replaced,
// never merged, so what the admin sends is what the plan says. name, etag
// and the times are not updatable (name is the key; the rest are the
// store's).
var (
	planPaths      = []string{"description", "budget", "namespace_minimum", "namespace_initial", "max_namespaces", "container_defaults", "service_types", "api_tier", "rate_limit", "runtime_classes", "egress"}
	overridesPaths = []string{"budget", "max_namespaces", "rate_limit"}
)

// ApplyPlanMask returns a copy of stored with the fields named in paths
// taken from in. It does not validate the result.
func ApplyPlanMask(stored, in *quotav1.Plan, paths []string) (*quotav1.Plan, error) {
	if err := checkMask(paths, planPaths); err != nil {
		return nil, err
	}
	out := proto.CloneOf(stored)
	for _, p := range paths {
		switch p {
		case "description":
			out.Description = in.GetDescription()
		case "budget":
			out.Budget = maps.Clone(in.GetBudget())
		case "namespace_minimum":
			out.NamespaceMinimum = maps.Clone(in.GetNamespaceMinimum())
		case "namespace_initial":
			out.NamespaceInitial = maps.Clone(in.GetNamespaceInitial())
		case "max_namespaces":
			out.MaxNamespaces = in.GetMaxNamespaces()
		case "container_defaults":
			out.ContainerDefaults = proto.CloneOf(in.GetContainerDefaults())
		case "service_types":
			out.ServiceTypes = slices.Clone(in.GetServiceTypes())
		case "api_tier":
			out.ApiTier = in.GetApiTier()
		case "rate_limit":
			out.RateLimit = proto.CloneOf(in.GetRateLimit())
		case "runtime_classes":
			out.RuntimeClasses = slices.Clone(in.GetRuntimeClasses())
		case "egress":
			out.Egress = in.GetEgress()
		}
	}
	return out, nil
}

// ApplyOverridesMask returns a copy of stored (nil for none) with the
// fields named in paths taken from in; an unset field in in clears it.
func ApplyOverridesMask(stored, in *quotav1.Overrides, paths []string) (*quotav1.Overrides, error) {
	if err := checkMask(paths, overridesPaths); err != nil {
		return nil, err
	}
	out := &quotav1.Overrides{}
	if stored != nil {
		out = proto.CloneOf(stored)
	}
	for _, p := range paths {
		switch p {
		case "budget":
			out.Budget = maps.Clone(in.GetBudget())
		case "max_namespaces":
			if in != nil && in.MaxNamespaces != nil {
				out.MaxNamespaces = proto.Int32(in.GetMaxNamespaces())
			} else {
				out.MaxNamespaces = nil
			}
		case "rate_limit":
			out.RateLimit = proto.CloneOf(in.GetRateLimit())
		}
	}
	return out, nil
}

func checkMask(paths, allowed []string) error {
	if len(paths) == 0 {
		return apierror.InvalidArgument("update_mask", "name at least one field")
	}
	for _, p := range paths {
		if !slices.Contains(allowed, p) {
			return apierror.InvalidArgument("update_mask", fmt.Sprintf("%q cannot be updated; updatable: %v", p, allowed))
		}
	}
	return nil
}
