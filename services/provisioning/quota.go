package provisioning

import (
	"context"
	"math"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/certs"
)

// quotaAdmission asks the quota service whether a tenant may have so many
// namespaces; its answer (a gRPC status) goes back to the caller as is.
type quotaAdmission struct {
	client quotav1.QuotaAdmissionServiceClient
}

// admitWait is how long a request waits for the quota service while it
// (re)connects, as it does for a moment after a restart, before the
// caller gets UNAVAILABLE.
const admitWait = 5 * time.Second

func (q quotaAdmission) AdmitNamespaces(ctx context.Context, tenant, plan string, count int) error {
	ctx, cancel := context.WithTimeout(ctx, admitWait)
	defer cancel()
	_, err := q.client.AdmitNamespaces(ctx, &quotav1.AdmitNamespacesRequest{
		Tenant: tenant, Plan: plan, NamespaceCount: int32(min(count, math.MaxInt32)),
	}, grpc.WaitForReady(true))
	return err
}

// dialQuota connects to the quota service's admission API with
// provisioning's certificate (and opts: tracing): the quota service admits
// only it there.
// Keepalive pings (within what Landlord's servers permit) find a dead peer
// under the long-lived Sync stream.
func dialQuota(cfg Config, opts ...grpc.DialOption) (quotav1.QuotaAdmissionServiceClient, error) {
	tlsCfg, err := certs.Client(cfg.API)
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(cfg.QuotaAddr, append(opts, grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 30 * time.Second, Timeout: 10 * time.Second}))...)
	if err != nil {
		return nil, err
	}
	return quotav1.NewQuotaAdmissionServiceClient(conn), nil
}
