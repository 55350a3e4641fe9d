package bench

import (
	"context"
	"fmt"
	"math/rand/v2"

	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
)

// checkUsage asks observability for the usage of n random tenants and
// compares it with what the seed put in the cluster (a churn changes no
// usage): the
// numbers the latencies are measured on are the right ones.
func checkUsage(ctx context.Context, s *service, sc Scale, n int) error {
	obs := observabilityv1.NewObservabilityServiceClient(s.conn)
	perTenant := sc.Namespaces * sc.DeploymentsPerNS
	for range n {
		i := rand.IntN(sc.Tenants)
		resp, err := obs.GetTenantUsage(ctx, &observabilityv1.GetTenantUsageRequest{Tenant: tenantName(i)})
		if err != nil {
			return err
		}
		desired := int32(sc.Namespaces * (sc.DeploymentsPerNS / 2)) // odd-numbered ones at 1 replica, as seedTenant
		pods := int32(sc.Namespaces * sc.PodsPerNS)
		got := resp.GetUsage().GetTotal()
		if len(resp.GetUsage().GetNamespaces()) != sc.Namespaces || got.GetObjects().GetDeployments() != int32(perTenant) ||
			got.GetDeploymentReplicas().GetDesired() != desired || got.GetPods().GetPending() != pods ||
			got.GetCpuRequestsMillicores() != int64(pods)*podMilli {
			return fmt.Errorf("usage of %s: %d namespaces, %d deployments, %d desired replicas, %d pending pods, %dm CPU; want %d, %d, %d, %d, %dm",
				tenantName(i), len(resp.GetUsage().GetNamespaces()), got.GetObjects().GetDeployments(), got.GetDeploymentReplicas().GetDesired(),
				got.GetPods().GetPending(), got.GetCpuRequestsMillicores(), sc.Namespaces, perTenant, desired, pods, int64(pods)*podMilli)
		}
	}
	return nil
}
