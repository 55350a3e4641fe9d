// Package api holds the quota service's gRPC handlers. Who may call each
// method is in one table (Access), enforced before a handler runs.
package api

import (
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/access"
)

// Access is the quota service's authorization table. Anyone signed in may
// read the plans (they are the price list); only platform admins change
// them and a tenant's overrides. Members read their own tenant's quota,
// and a tenant they have no role in does not exist for them. Provisioning
// and the gateway prove themselves with their client certificates.
func Access() *access.Table {
	const get = identityv1.Permission_PERMISSION_TENANT_GET
	return &access.Table{HideTenants: true, Rules: map[string]access.Rule{
		quotav1.PlanService_CreatePlan_FullMethodName: access.Admin().Audited(),
		quotav1.PlanService_GetPlan_FullMethodName:    access.AnyCaller(),
		quotav1.PlanService_ListPlans_FullMethodName:  access.AnyCaller(),
		quotav1.PlanService_UpdatePlan_FullMethodName: access.Admin().Audited(),
		quotav1.PlanService_DeletePlan_FullMethodName: access.Admin().Audited(),

		quotav1.TenantQuotaService_GetTenantQuota_FullMethodName:     access.InTenant(get, (*quotav1.GetTenantQuotaRequest).GetTenant),
		quotav1.TenantQuotaService_WatchTenantQuota_FullMethodName:   access.InTenant(get, (*quotav1.WatchTenantQuotaRequest).GetTenant),
		quotav1.TenantQuotaService_UpdateTenantQuota_FullMethodName:  access.Admin().Audited(),
		quotav1.TenantQuotaService_GetTenantRateLimit_FullMethodName: access.Internal("gateway"),

		quotav1.QuotaAdmissionService_AdmitNamespaces_FullMethodName: access.Internal("provisioning"),
		quotav1.QuotaAdmissionService_Sync_FullMethodName:            access.Internal("provisioning"),
	}}
}
