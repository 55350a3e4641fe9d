package observability_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
)

func (e *env) eventClient(t *testing.T) observabilityv1.EventServiceClient {
	return observabilityv1.NewEventServiceClient(dial(t, e.Observability.Addr()))
}

// event creates a core/v1 Event about a pod in namespace ns, as the
// cluster admin.
func (e *env) event(t *testing.T, ns, reason string) {
	t.Helper()
	now := metav1.Now()
	ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{GenerateName: "ev-test-"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: "p"},
		Type:           corev1.EventTypeNormal, Reason: reason, Message: "made by the test in " + ns,
		Source: corev1.EventSource{Component: "ev-test"}, FirstTimestamp: now, LastTimestamp: now, Count: 1}
	if _, err := e.kube.CoreV1().Events(ns).Create(t.Context(), ev, metav1.CreateOptions{}); err != nil {
		t.Fatalf("event in %s: %v", ns, err)
	}
}

// watch collects a stream's events until it ends; the error it ended
// with comes last on errc.
func watch(ctx context.Context, t *testing.T, c observabilityv1.EventServiceClient, req *observabilityv1.WatchTenantEventsRequest) (<-chan *observabilityv1.TenantEvent, <-chan error) {
	t.Helper()
	events, errc := make(chan *observabilityv1.TenantEvent, 1000), make(chan error, 1)
	stream, err := c.WatchTenantEvents(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			resp, err := stream.Recv()
			if err != nil {
				errc <- err
				close(events)
				return
			}
			events <- resp.GetEvent()
		}
	}()
	return events, errc
}

// next waits for the event with reason, failing on any event of a reason
// in never.
func next(t *testing.T, events <-chan *observabilityv1.TenantEvent, reason string, never ...string) *observabilityv1.TenantEvent {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("stream ended before %s", reason)
			}
			for _, n := range never {
				if ev.GetReason() == n {
					t.Errorf("streamed %s from %s: not the tenant's", n, ev.GetNamespace())
				}
			}
			if ev.GetReason() == reason {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event within 20s", reason)
		}
	}
}

// A member watching tenant A sees its Tenant's events (recorded by the
// operator) and an Event in A's namespace; not one in tenant B's, nor in
// a foreign namespace whose name A's could have had.
func TestWatchTenantEventsShowsOnlyTheTenants(t *testing.T) {
	e := started(t)
	events := e.eventClient(t)
	e.tenant(t, "ev-a", "a")
	e.tenant(t, "ev-b", "a")
	foreign := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ev-a-b"}}
	if _, err := e.kube.CoreV1().Namespaces().Create(t.Context(), foreign, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	member := e.Member(t, "ev-member", "ev-a", identityv1.Role_ROLE_VIEWER)
	ctx, cancel := context.WithCancel(member)
	defer cancel()
	got, _ := watch(ctx, t, events, &observabilityv1.WatchTenantEventsRequest{Tenant: "ev-a"})
	// The operator's events about the Tenant come first, from the
	// informer's recent ones.
	own := next(t, got, "Active")
	if own.GetInvolvedObject().GetKind() != "Tenant" || own.GetInvolvedObject().GetName() != "ev-a" {
		t.Errorf("Active event about %v, want the Tenant ev-a", own.GetInvolvedObject())
	}
	// Created in this order, the intruders would arrive before A's own.
	e.event(t, "ev-a-b", "EvForeign")
	e.event(t, "ev-b-a", "EvOtherTenant")
	e.event(t, "ev-a-a", "EvOwn")
	ev := next(t, got, "EvOwn", "EvForeign", "EvOtherTenant")
	if ev.GetNamespace() != "ev-a-a" || ev.GetInvolvedObject().GetName() != "p" || ev.GetCount() != 1 || ev.GetLastTime() == nil || ev.GetType() != "Normal" {
		t.Errorf("streamed %v", ev)
	}

	// A stream opened later starts with the recent ones, and one filtered
	// to a namespace has no Tenant events.
	ctx2, cancel2 := context.WithCancel(member)
	defer cancel2()
	again, _ := watch(ctx2, t, events, &observabilityv1.WatchTenantEventsRequest{Tenant: "ev-a", Namespace: "ev-a-a"})
	e.event(t, "ev-a-a", "EvOwnLater")
	next(t, again, "EvOwn", "Active", "EvForeign", "EvOtherTenant")
	next(t, again, "EvOwnLater", "Active")

	// since skips what was last seen before it.
	ctx3, cancel3 := context.WithCancel(member)
	defer cancel3()
	later, _ := watch(ctx3, t, events, &observabilityv1.WatchTenantEventsRequest{Tenant: "ev-a", Since: ts(time.Now().Add(time.Hour))})
	e.event(t, "ev-a-a", "EvFuture")
	select {
	case ev := <-later:
		t.Errorf("since an hour ahead, streamed %v", ev)
	case <-time.After(2 * time.Second):
	}
}

// A member of tenant B watching tenant A gets the NOT_FOUND of a tenant
// that does not exist.
func TestWatchOtherTenantsEventsIsNotFound(t *testing.T) {
	e := started(t)
	events := e.eventClient(t)
	e.tenant(t, "ev-vis-a", "a")
	e.tenant(t, "ev-vis-b", "a")
	member := e.Member(t, "ev-vis-member", "ev-vis-b", identityv1.Role_ROLE_EDITOR)
	answer := func(tenant string) *status.Status {
		ctx, cancel := context.WithTimeout(member, 10*time.Second)
		defer cancel()
		_, errc := watch(ctx, t, events, &observabilityv1.WatchTenantEventsRequest{Tenant: tenant})
		return status.Convert(<-errc)
	}
	other, absent := answer("ev-vis-a"), answer("ev-vis-none")
	if other.Code() != codes.NotFound || replaceName(other.Message(), "ev-vis-a") != replaceName(absent.Message(), "ev-vis-none") {
		t.Errorf("member of B watches A: %v; an absent tenant: %v; want the same NOT_FOUND", other, absent)
	}
	ctx, cancel := context.WithTimeout(e.Admin, 10*time.Second)
	defer cancel()
	if _, errc := watch(ctx, t, events, &observabilityv1.WatchTenantEventsRequest{Tenant: "ev-vis-none"}); status.Code(<-errc) != codes.NotFound {
		t.Error("admin watches an absent tenant: want NOT_FOUND")
	}
}

// A stream ends with UNAVAILABLE when the service shuts down, so that the
// client reconnects (with since) rather than waiting on a dead stream.
func TestWatchTenantEventsEndsUnavailableOnShutdown(t *testing.T) {
	e := started(t)
	e.tenant(t, "ev-stop", "a")
	ctx, cancel := context.WithCancel(e.Admin)
	defer cancel()
	got, errc := watch(ctx, t, e.eventClient(t), &observabilityv1.WatchTenantEventsRequest{Tenant: "ev-stop"})
	next(t, got, "Active")
	if err := e.Observability.Stop(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := e.Observability.Start(); err != nil {
			t.Fatal(err)
		}
		if err := e.WaitServing(e.Observability.Addr()); err != nil {
			t.Fatal(err)
		}
	}()
	select {
	case err := <-errc:
		if status.Code(err) != codes.Unavailable {
			t.Errorf("stream at shutdown ended with %v, want UNAVAILABLE", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("the stream outlived the service")
	}
}
