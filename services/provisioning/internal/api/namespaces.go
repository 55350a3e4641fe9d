package api

import (
	"context"
	"fmt"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/tenants"
)

func (s *TenantServer) CreateNamespace(ctx context.Context, req *provisioningv1.CreateNamespaceRequest) (*provisioningv1.CreateNamespaceResponse, error) {
	name := req.GetNamespace().GetName()
	t, err := s.Tenants.AddNamespace(ctx, req.GetTenant(), name)
	if err != nil {
		return nil, err
	}
	for _, ns := range tenants.ToProto(t).GetNamespaces() {
		if ns.GetName() == name {
			return &provisioningv1.CreateNamespaceResponse{Namespace: ns}, nil
		}
	}
	return nil, fmt.Errorf("namespace %s missing after it was added", name)
}

func (s *TenantServer) DeleteNamespace(ctx context.Context, req *provisioningv1.DeleteNamespaceRequest) (*provisioningv1.DeleteNamespaceResponse, error) {
	_, err := s.Tenants.RemoveNamespace(ctx, req.GetTenant(), req.GetName())
	return &provisioningv1.DeleteNamespaceResponse{}, err
}

func (s *TenantServer) ListNamespaces(ctx context.Context, req *provisioningv1.ListNamespacesRequest) (*provisioningv1.ListNamespacesResponse, error) {
	t, err := s.Tenants.Get(ctx, req.GetTenant())
	if err != nil {
		return nil, err
	}
	return &provisioningv1.ListNamespacesResponse{Namespaces: tenants.ToProto(t).GetNamespaces()}, nil
}
