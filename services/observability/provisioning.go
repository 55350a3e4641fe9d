package observability

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/certs"
)

// dialProvisioning connects to provisioning's API with this service's
// certificate: provisioning admits it, and only it, to hibernate idle
// tenants (HibernateIdleTenant).
func dialProvisioning(cfg Config, opts ...grpc.DialOption) (provisioningv1.TenantServiceClient, error) {
	tlsCfg, err := certs.Client(cfg.API)
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(cfg.ProvisioningAddr, append(opts, grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)))...)
	if err != nil {
		return nil, err
	}
	return provisioningv1.NewTenantServiceClient(conn), nil
}
