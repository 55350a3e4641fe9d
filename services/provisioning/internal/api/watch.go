package api

import (
	"context"

	"google.golang.org/grpc"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/access"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/tenants"
)

// Watcher streams changes to Tenants from the operator's informer: one
// watch on the API server, however many clients watch.
type Watcher struct {
	Cache cache.Cache
}

type event = provisioningv1.WatchTenantsResponse

func (s *TenantServer) WatchTenants(req *provisioningv1.WatchTenantsRequest, stream grpc.ServerStreamingServer[provisioningv1.WatchTenantsResponse]) error {
	ctx := stream.Context()
	c, err := access.From(ctx)
	if err != nil {
		return err
	}
	// The table admitted a watch of a named tenant only for its members.
	visible := sees(c)
	wanted := func(name string) bool { return (req.GetName() == "" || name == req.GetName()) && visible(name) }
	return s.Watch.stream(ctx, wanted, stream.Send)
}

func (w *Watcher) stream(ctx context.Context, wanted func(string) bool, send func(*event) error) error {
	informer, err := w.Cache.GetInformer(ctx, &v1alpha1.Tenant{})
	if err != nil {
		return err
	}
	queue := newPending()
	push := func(typ provisioningv1.WatchTenantsResponse_EventType, obj any) {
		if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		t, ok := obj.(*v1alpha1.Tenant)
		if !ok || !wanted(t.Name) {
			return
		}
		queue.add(&event{Type: typ, Tenant: tenants.ToProto(t)})
	}
	reg, err := informer.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { push(provisioningv1.WatchTenantsResponse_EVENT_TYPE_ADDED, obj) },
		UpdateFunc: func(old, obj any) {
			// The informer's periodic resync repeats unchanged objects.
			if o, ok := old.(*v1alpha1.Tenant); ok && o.ResourceVersion == obj.(*v1alpha1.Tenant).ResourceVersion {
				return
			}
			push(provisioningv1.WatchTenantsResponse_EVENT_TYPE_MODIFIED, obj)
		},
		DeleteFunc: func(obj any) { push(provisioningv1.WatchTenantsResponse_EVENT_TYPE_DELETED, obj) },
	})
	if err != nil {
		return err
	}
	defer func() { _ = informer.RemoveEventHandler(reg) }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-queue.ready:
			for _, e := range queue.take() {
				if err := send(e); err != nil {
					return err
				}
			}
		}
	}
}
