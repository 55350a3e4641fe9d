package api

import (
	"context"
	"fmt"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/access"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/tenants"
)

// TenantServer serves provisioning.v1.TenantService.
type TenantServer struct {
	provisioningv1.UnimplementedTenantServiceServer
	Tenants *tenants.Service
	Watch   *Watcher
}

func (s *TenantServer) CreateTenant(ctx context.Context, req *provisioningv1.CreateTenantRequest) (*provisioningv1.CreateTenantResponse, error) {
	t, err := s.Tenants.Create(ctx, req.GetTenant(), req.GetRequestId())
	if err != nil {
		return nil, err
	}
	return &provisioningv1.CreateTenantResponse{Tenant: tenants.ToProto(t)}, nil
}

func (s *TenantServer) GetTenant(ctx context.Context, req *provisioningv1.GetTenantRequest) (*provisioningv1.GetTenantResponse, error) {
	t, err := s.Tenants.Get(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	return &provisioningv1.GetTenantResponse{Tenant: tenants.ToProto(t)}, nil
}

func (s *TenantServer) ListTenants(ctx context.Context, req *provisioningv1.ListTenantsRequest) (*provisioningv1.ListTenantsResponse, error) {
	c, err := access.From(ctx)
	if err != nil {
		return nil, err
	}
	list, next, err := s.Tenants.List(ctx, sees(c), req.GetFilter(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	resp := &provisioningv1.ListTenantsResponse{NextPageToken: next}
	for _, t := range list {
		resp.Tenants = append(resp.Tenants, tenants.ToProto(t))
	}
	return resp, nil
}

func (s *TenantServer) UpdateTenant(ctx context.Context, req *provisioningv1.UpdateTenantRequest) (*provisioningv1.UpdateTenantResponse, error) {
	in := req.GetTenant()
	c, err := access.From(ctx)
	if err != nil {
		return nil, err
	}
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		return nil, apierror.InvalidArgument("update_mask", "name at least one field to update")
	}
	if !c.PlatformAdmin {
		if err := tenantAdminMayChange(in, paths); err != nil {
			return nil, err
		}
	}
	t, err := s.Tenants.Update(ctx, in, paths)
	if err != nil {
		return nil, err
	}
	return &provisioningv1.UpdateTenantResponse{Tenant: tenants.ToProto(t)}, nil
}

func (s *TenantServer) DeleteTenant(ctx context.Context, req *provisioningv1.DeleteTenantRequest) (*provisioningv1.DeleteTenantResponse, error) {
	c, err := access.From(ctx)
	if err != nil {
		return nil, err
	}
	forcedBy := ""
	if req.GetForce() {
		// Forcing removes finalizers other controllers put on tenant objects:
		// what they guard (external resources) may be left behind.
		if !c.PlatformAdmin {
			return nil, fmt.Errorf("only platform admins force a deletion: %w", apierror.ErrPermissionDenied)
		}
		forcedBy = c.Subject
	}
	return &provisioningv1.DeleteTenantResponse{}, s.Tenants.Delete(ctx, req.GetName(), req.GetEtag(), forcedBy)
}

func (s *TenantServer) HibernateTenant(ctx context.Context, req *provisioningv1.HibernateTenantRequest) (*provisioningv1.HibernateTenantResponse, error) {
	t, err := s.setHibernated(ctx, req.GetName(), true)
	if err != nil {
		return nil, err
	}
	return &provisioningv1.HibernateTenantResponse{Tenant: t}, nil
}

func (s *TenantServer) WakeTenant(ctx context.Context, req *provisioningv1.WakeTenantRequest) (*provisioningv1.WakeTenantResponse, error) {
	t, err := s.setHibernated(ctx, req.GetName(), false)
	if err != nil {
		return nil, err
	}
	return &provisioningv1.WakeTenantResponse{Tenant: t}, nil
}

// sees reports whether the caller may see a tenant, for lists and watches.
func sees(c access.Principal) func(tenant string) bool {
	return func(tenant string) bool { return c.May(tenant, identityv1.Permission_PERMISSION_TENANT_GET) }
}

func (s *TenantServer) HibernateIdleTenant(ctx context.Context, req *provisioningv1.HibernateIdleTenantRequest) (*provisioningv1.HibernateIdleTenantResponse, error) {
	t, err := s.Tenants.HibernateIdle(ctx, req.GetName(), req.GetEtag())
	if err != nil {
		return nil, err
	}
	return &provisioningv1.HibernateIdleTenantResponse{Tenant: tenants.ToProto(t)}, nil
}

func (s *TenantServer) setHibernated(ctx context.Context, name string, hibernated bool) (*provisioningv1.Tenant, error) {
	t, err := s.Tenants.SetHibernated(ctx, name, hibernated, v1alpha1.HibernationRequested)
	if err != nil {
		return nil, err
	}
	return tenants.ToProto(t), nil
}
