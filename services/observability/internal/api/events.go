package api

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"
	corev1 "k8s.io/api/core/v1"

	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	"github.com/landlord-dev/landlord/services/observability/internal/cluster"
)

// recentEvents is how many held events a stream starts with.
const recentEvents = 100

// Tenants finds a tenant's identity.
type Tenants interface {
	TenantRef(name string) (cluster.TenantRef, error)
}

// EventSource streams the events that match a filter.
type EventSource interface {
	Watch(ctx context.Context, f cluster.EventFilter, recent int, send func(*corev1.Event) error) error
}

// EventServer serves EventService.
type EventServer struct {
	observabilityv1.UnimplementedEventServiceServer
	Tenants Tenants
	Events  EventSource
}

func (s *EventServer) WatchTenantEvents(req *observabilityv1.WatchTenantEventsRequest, stream grpc.ServerStreamingServer[observabilityv1.WatchTenantEventsResponse]) error {
	t, err := s.Tenants.TenantRef(req.GetTenant())
	if err != nil {
		return err
	}
	f := cluster.EventFilter{Tenant: t, Namespace: req.GetNamespace()}
	if req.GetSince() != nil {
		f.Since = req.GetSince().AsTime()
	}
	return s.Events.Watch(stream.Context(), f, recentEvents, func(ev *corev1.Event) error {
		return stream.Send(&observabilityv1.WatchTenantEventsResponse{Event: tenantEvent(ev)})
	})
}

func tenantEvent(ev *corev1.Event) *observabilityv1.TenantEvent {
	o := ev.InvolvedObject
	return &observabilityv1.TenantEvent{Namespace: ev.Namespace, Name: ev.Name, Uid: string(ev.UID), Type: ev.Type,
		Reason: ev.Reason, Message: ev.Message, Count: ev.Count,
		InvolvedObject: &observabilityv1.ObjectReference{Kind: o.Kind, Namespace: o.Namespace, Name: o.Name},
		FirstTime:      timestampOrNil(ev.FirstTimestamp.Time), LastTime: timestampOrNil(ev.LastTimestamp.Time)}
}

func timestampOrNil(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}
