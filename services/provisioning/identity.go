package provisioning

import (
	"context"
	"maps"
	"slices"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/provisioning/internal/controller"
)

// identityMemberships tells identity that a tenant is gone and which API
// tier each tenant is on, over mutual TLS: identity admits only
// provisioning's certificate to these methods.
type identityMemberships struct {
	client identityv1.MembershipServiceClient
}

func (m identityMemberships) DeleteTenantMemberships(ctx context.Context, tenant string) error {
	_, err := m.client.DeleteTenantMemberships(ctx, &identityv1.DeleteTenantMembershipsRequest{Tenant: tenant})
	return err
}

func (m identityMemberships) SetTenantTiers(ctx context.Context, tiers map[string]string) error {
	req := &identityv1.SetTenantTiersRequest{}
	for _, tenant := range slices.Sorted(maps.Keys(tiers)) {
		req.Tiers = append(req.Tiers, &identityv1.TenantTier{Tenant: tenant, Tier: tiers[tenant]})
	}
	_, err := m.client.SetTenantTiers(ctx, req)
	return err
}

// dialIdentity connects to identity's API with provisioning's certificate
// (and opts: tracing), or returns nil if no identity is configured.
func dialIdentity(cfg Config, opts ...grpc.DialOption) (controller.Memberships, error) {
	if cfg.IdentityAddr == "" {
		return nil, nil
	}
	tlsCfg, err := certs.Client(cfg.API)
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(cfg.IdentityAddr, append(opts, grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)))...)
	if err != nil {
		return nil, err
	}
	return identityMemberships{client: identityv1.NewMembershipServiceClient(conn)}, nil
}
