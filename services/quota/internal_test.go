package quota_test

import (
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
)

// dialAs connects to quota with a Landlord service's client certificate.
func (e *env) dialAs(t *testing.T, service string) *grpc.ClientConn {
	t.Helper()
	conn, err := e.DialAs(e.Quota.Addr(), service)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// The service-to-service methods admit only the service they are for,
// proven by its client certificate: not a platform admin's token, not
// another Landlord service. A hostile admin or a compromised gateway can
// neither read the writes stream nor get namespaces admitted.
func TestInternalMethodsAdmitOnlyTheirService(t *testing.T) {
	e := started(t)
	e.plan(t, "inner", 2, nil)
	e.tenant(t, "inner", "inner", "a")

	gateway := quotav1.NewTenantQuotaServiceClient(e.dialAs(t, "gateway"))
	rl, err := gateway.GetTenantRateLimit(t.Context(), &quotav1.GetTenantRateLimitRequest{Tenant: "inner"})
	if err != nil || rl.GetRateLimit().GetRequestsPerSecond() <= 0 {
		t.Errorf("gateway reads a tenant's rate limit: %v, %v", rl, err)
	}
	if _, err := e.quotas.GetTenantRateLimit(e.Admin, &quotav1.GetTenantRateLimitRequest{Tenant: "inner"}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("platform admin's token on the gateway's method: %v, want PERMISSION_DENIED", err)
	}

	req := &quotav1.AdmitNamespacesRequest{Tenant: "inner", Plan: "inner", NamespaceCount: 1}
	if _, err := quotav1.NewQuotaAdmissionServiceClient(e.dialAs(t, "provisioning")).AdmitNamespaces(t.Context(), req); err != nil {
		t.Errorf("provisioning asks for admission: %v", err)
	}
	for name, call := range map[string]func() error{
		"admin token": func() error {
			_, err := quotav1.NewQuotaAdmissionServiceClient(dial(t, e.Quota.Addr())).AdmitNamespaces(e.Admin, req)
			return err
		},
		"gateway certificate": func() error {
			_, err := quotav1.NewQuotaAdmissionServiceClient(e.dialAs(t, "gateway")).AdmitNamespaces(t.Context(), req)
			return err
		},
		"admin token on the writes stream": func() error {
			stream, err := quotav1.NewQuotaAdmissionServiceClient(dial(t, e.Quota.Addr())).Sync(e.Admin, &quotav1.SyncRequest{})
			if err == nil {
				_, err = stream.Recv()
			}
			return err
		},
	} {
		if err := call(); status.Code(err) != codes.PermissionDenied && status.Code(err) != codes.Unauthenticated {
			t.Errorf("%s on provisioning's methods: %v, want refused", name, err)
		}
	}
}
