package api

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/access"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/tenants"
)

// watchBuffer is how many changes a slow watcher may fall behind before
// its stream is ended; it then watches again and gets the current state.
const watchBuffer = 1024

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
	events := make(chan *event, watchBuffer)
	overflow := make(chan struct{})
	push := func(typ provisioningv1.WatchTenantsResponse_EventType, obj any) {
		if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		t, ok := obj.(*v1alpha1.Tenant)
		if !ok || !wanted(t.Name) {
			return
		}
		select {
		case events <- &event{Type: typ, Tenant: tenants.ToProto(t)}:
		default:
			select {
			case <-overflow:
			default:
				close(overflow)
			}
		}
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
		case <-overflow:
			return fmt.Errorf("the watcher fell %d changes behind; watch again: %w", watchBuffer, apierror.ErrUnavailable)
		case e := <-events:
			if err := send(e); err != nil {
				return err
			}
		}
	}
}
