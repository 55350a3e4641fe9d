package api

import (
	"context"
	"errors"
	"log/slog"

	"google.golang.org/grpc"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/access"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/provisioning/internal/tenants"
)

// notWaking are the tenant methods whose call is no use of the tenant:
// hibernation says for itself, and waking a tenant to delete it would
// start its workloads for nothing.
var notWaking = map[string]bool{
	provisioningv1.TenantService_HibernateTenant_FullMethodName: true,
	provisioningv1.TenantService_WakeTenant_FullMethodName:      true,
	provisioningv1.TenantService_DeleteTenant_FullMethodName:    true,
}

// WakeOnUse wakes a tenant hibernated for idleness when one of its
// members calls a method about it, before the call runs: the call is the
// activity that ends idleness. A platform admin's call, or a Landlord
// service's, is not the tenant's use and wakes nothing; a tenant put to
// sleep on request stays asleep until WakeTenant. It runs inside the
// access interceptor (server.Config.ServerOptions), so only callers who
// may make the call wake anything; waking failing does not fail the call.
func WakeOnUse(table *access.Table, t *tenants.Service, log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		rule, ok := table.Rule(info.FullMethod)
		if !ok || rule.Who != access.TenantRole || notWaking[info.FullMethod] {
			return handler(ctx, req)
		}
		if c, err := access.From(ctx); err == nil && !c.PlatformAdmin {
			if name := rule.Target(req); name != "" {
				woke, err := t.WakeIfIdle(ctx, name)
				switch {
				case errors.Is(err, apierror.ErrNotFound) || errors.Is(err, apierror.ErrFailedPrecondition):
					// No such tenant, or one being deleted: nothing to wake,
					// and the call itself answers the caller.
				case err != nil:
					log.Warn("waking an idle tenant on use", "tenant", name, "method", info.FullMethod, "error", err)
				case woke:
					log.Info("woke an idle tenant on use", "tenant", name, "method", info.FullMethod, "subject", c.Subject)
				}
			}
		}
		return handler(ctx, req)
	}
}
