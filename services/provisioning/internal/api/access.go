// Package api holds provisioning's gRPC handlers. Who may call each method
// is in one table (Access), which the server enforces before a handler
// runs; each handler translates its request and calls the tenants package.
package api

import (
	"fmt"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/access"
	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// Access is provisioning's authorization table. Roles come from the
// caller's token groups (the same matrix identity's Check applies), so no
// call to identity is needed; a role change applies with the next token.
// A tenant a caller has no role in does not exist for it: NOT_FOUND,
// whether or not it exists, as in every Landlord service. The rules that depend on what the request
// asks for are below the table: tenantAdminMayChange and, for forced
// deletion, platform admins only (DeleteTenant).
func Access() *access.Table {
	const (
		get       = identityv1.Permission_PERMISSION_TENANT_GET
		update    = identityv1.Permission_PERMISSION_TENANT_UPDATE
		remove    = identityv1.Permission_PERMISSION_TENANT_DELETE
		hibernate = identityv1.Permission_PERMISSION_TENANT_HIBERNATE
		manageNS  = identityv1.Permission_PERMISSION_NAMESPACES_MANAGE
	)
	return &access.Table{HideTenants: true, Rules: map[string]access.Rule{
		// Only platform admins create tenants (PERMISSION_TENANT_CREATE).
		provisioningv1.TenantService_CreateTenant_FullMethodName: access.Admin().Audited(),
		provisioningv1.TenantService_GetTenant_FullMethodName:    access.InTenant(get, (*provisioningv1.GetTenantRequest).GetName),
		// Lists and watches show only the tenants the caller has a role in.
		provisioningv1.TenantService_ListTenants_FullMethodName:  access.AnyCaller(),
		provisioningv1.TenantService_WatchTenants_FullMethodName: access.InTenantIfNamed(get, (*provisioningv1.WatchTenantsRequest).GetName),
		provisioningv1.TenantService_UpdateTenant_FullMethodName: access.InTenant(update,
			func(r *provisioningv1.UpdateTenantRequest) string { return r.GetTenant().GetName() }).Audited(),
		provisioningv1.TenantService_DeleteTenant_FullMethodName:        access.InTenant(remove, (*provisioningv1.DeleteTenantRequest).GetName).Audited(),
		provisioningv1.TenantService_HibernateTenant_FullMethodName:     access.InTenant(hibernate, (*provisioningv1.HibernateTenantRequest).GetName).Audited(),
		provisioningv1.TenantService_WakeTenant_FullMethodName:          access.InTenant(hibernate, (*provisioningv1.WakeTenantRequest).GetName).Audited(),
		provisioningv1.TenantService_HibernateIdleTenant_FullMethodName: access.Internal("observability").Audited(),
		provisioningv1.TenantService_CreateNamespace_FullMethodName:     access.InTenant(manageNS, (*provisioningv1.CreateNamespaceRequest).GetTenant).Audited(),
		provisioningv1.TenantService_DeleteNamespace_FullMethodName:     access.InTenant(manageNS, (*provisioningv1.DeleteNamespaceRequest).GetTenant).Audited(),
		provisioningv1.TenantService_ListNamespaces_FullMethodName:      access.InTenant(get, (*provisioningv1.ListNamespacesRequest).GetTenant),
	}}
}

// tenantAdminMayChange keeps what costs the platform, or weakens the
// tenant's isolation, with platform admins: the plan, storage classes,
// ingress domains and any Pod Security level but restricted.
func tenantAdminMayChange(in *provisioningv1.Tenant, paths []string) error {
	for _, p := range paths {
		switch {
		case p == "plan", p == "allowed_storage_classes", p == "allowed_ingress_domains":
			return fmt.Errorf("only platform admins change %s: %w", p, apierror.ErrPermissionDenied)
		case p == "pod_security" && in.GetPodSecurity() == provisioningv1.PodSecurityLevel_POD_SECURITY_LEVEL_BASELINE:
			return fmt.Errorf("only platform admins lower Pod Security to baseline: %w", apierror.ErrPermissionDenied)
		}
	}
	return nil
}
