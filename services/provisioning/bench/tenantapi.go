package bench

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/internal/devclusterproc"
)

// tenantAPI creates tenants the way users do: TenantService calls with a
// platform admin's token, over loopback gRPC with TLS.
type tenantAPI struct {
	conn   *grpc.ClientConn
	client provisioningv1.TenantServiceClient
	token  string
}

// dialTenantAPI connects to provisioning at addr, trusting the Landlord CA
// of the dev cluster whose admin kubeconfig is given.
func dialTenantAPI(kubeconfig, addr, token string) (*tenantAPI, error) {
	env, err := devclusterproc.ReadEnv(kubeconfig)
	if err != nil {
		return nil, err
	}
	tlsCfg, err := certs.Client(env.ClientTLS())
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)))
	if err != nil {
		return nil, err
	}
	return &tenantAPI{conn: conn, client: provisioningv1.NewTenantServiceClient(conn), token: token}, nil
}

func (a *tenantAPI) close() { a.conn.Close() }

// create creates bench tenants [from, to) (one namespace each) from
// `workers` goroutines and returns when each create was acknowledged.
func (a *tenantAPI) create(ctx context.Context, from, to, workers int) (map[string]time.Time, error) {
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+a.token)
	jobs := make(chan int)
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		createErr error
	)
	created := map[string]time.Time{}
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				name := fmt.Sprintf("bench-%04d", i)
				_, err := a.client.CreateTenant(ctx, &provisioningv1.CreateTenantRequest{RequestId: "bench-" + name,
					Tenant: &provisioningv1.Tenant{Name: name, Plan: benchPlan, Namespaces: []*provisioningv1.Namespace{{Name: benchNamespace}}}})
				mu.Lock()
				created[name] = time.Now()
				createErr = cmp.Or(createErr, err)
				mu.Unlock()
			}
		})
	}
	for i := from; i < to; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return created, createErr
}
