// Package api holds the observability service's gRPC handlers. Who may
// call each method is in one table (Access), enforced before a handler
// runs; handlers return domain errors that the server maps to statuses
// in one place (apierror.Status).
package api

import (
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	"github.com/landlord-dev/landlord/services/internal/access"
)

// Access is the observability service's authorization table. Members of
// a tenant, in any role, read its usage and history; to anyone else the
// tenant does not exist (NOT_FOUND, as for a tenant that does not).
// Platform admins read every tenant, and alone list them all.
func Access() *access.Table {
	const read = identityv1.Permission_PERMISSION_USAGE_READ
	return &access.Table{HideTenants: true, Rules: map[string]access.Rule{
		observabilityv1.ObservabilityService_GetTenantUsage_FullMethodName:  access.InTenant(read, (*observabilityv1.GetTenantUsageRequest).GetTenant),
		observabilityv1.ObservabilityService_ListTenantUsage_FullMethodName: access.Admin(),
		observabilityv1.ObservabilityService_GetUsageHistory_FullMethodName: access.InTenant(read, (*observabilityv1.GetUsageHistoryRequest).GetTenant),
		observabilityv1.HibernationService_ListIdleTenants_FullMethodName:   access.Admin(),
		observabilityv1.CostService_GetCostReport_FullMethodName:            access.InTenant(read, (*observabilityv1.GetCostReportRequest).GetTenant),
		observabilityv1.EventService_WatchTenantEvents_FullMethodName:       access.InTenant(read, (*observabilityv1.WatchTenantEventsRequest).GetTenant),
	}}
}
