package cluster

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	fcache "k8s.io/client-go/tools/cache/testing"
)

// An events.k8s.io Event (eventTime, series) reads like a core/v1 one,
// long messages are cut, and trimming twice changes nothing.
func TestTrimEventFoldsSeriesAndIsIdempotent(t *testing.T) {
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	e := trimEvent(&corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "e", Namespace: "n", Annotations: map[string]string{"a": "b"}},
		EventTime: metav1.NewMicroTime(at), Series: &corev1.EventSeries{Count: 3, LastObservedTime: metav1.NewMicroTime(at.Add(time.Minute))},
		Reason: "R", Message: strings.Repeat("x", 5000), ReportingController: "c", Source: corev1.EventSource{Host: "h"}})
	if e.Count != 3 || !e.FirstTimestamp.Time.Equal(at) || !e.LastTimestamp.Time.Equal(at.Add(time.Minute)) || len(e.Message) != maxEventMessage ||
		e.Annotations != nil || e.Source.Host != "" || e.Series != nil {
		t.Errorf("trimmed %+v", e)
	}
	if again := trimEvent(e); again.Count != e.Count || !again.LastTimestamp.Equal(&e.LastTimestamp) || again.Message != e.Message {
		t.Errorf("trimmed twice: %+v", again)
	}
}

// A stream of tenant t0000 sees its namespaces' events and its Tenant's,
// held ones first, then live ones; never another tenant's, a foreign
// namespace's with a colliding name, or a re-created tenant's.
func TestEventsStreamOnlyTheTenants(t *testing.T) {
	w := watcher(t, 2)
	if err := w.namespaces.Add(trimNamespace(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "t0000-c"}})); err != nil {
		t.Fatal(err)
	}
	source := fcache.NewFakeControllerSource()
	events, err := newEvents(source, w)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() { _ = events.Run(ctx) }()
	create := func(ns, reason string, about corev1.ObjectReference) {
		t.Helper()
		now := metav1.Now()
		ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: reason, Namespace: ns, UID: types.UID("uid-" + reason)},
			InvolvedObject: about, Reason: reason, FirstTimestamp: now, LastTimestamp: now}
		source.Add(ev)
	}
	pod := func(ns string) corev1.ObjectReference {
		return corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: "p"}
	}
	tenant := func(name, uid string) corev1.ObjectReference {
		return corev1.ObjectReference{APIVersion: "landlord.dev/v1alpha1", Kind: "Tenant", Name: name, UID: types.UID(uid)}
	}
	create("t0000-a", "HeldOwn", pod("t0000-a"))
	create("default", "HeldTenant", tenant("t0000", "uid-t0000"))
	create("default", "OldTenantOfTheName", tenant("t0000", "uid-deleted"))
	create("t0001-a", "HeldOther", pod("t0001-a"))
	create("t0000-c", "HeldForeign", pod("t0000-c"))

	got := make(chan string, 100)
	done := make(chan error, 1)
	go func() {
		done <- events.Watch(ctx, EventFilter{Tenant: TenantRef{Name: "t0000", UID: "uid-t0000"}}, 100, func(ev *corev1.Event) error {
			got <- ev.Reason
			return nil
		})
	}()
	create("t0001-b", "LiveOther", pod("t0001-b"))
	create("t0000-b", "LiveOwn", pod("t0000-b"))
	want := map[string]bool{"HeldOwn": true, "HeldTenant": true, "LiveOwn": true}
	for len(want) > 0 {
		select {
		case r := <-got:
			if !want[r] {
				t.Errorf("streamed %s", r)
			}
			delete(want, r)
		case <-time.After(10 * time.Second):
			t.Fatalf("never streamed %v", want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("a stream whose caller hung up ended with %v", err)
	}
}

// A stream that cannot keep up ends, UNAVAILABLE, rather than buffering
// without bound.
func TestEventsSlowStreamEnds(t *testing.T) {
	w := watcher(t, 1)
	e := &Events{owners: w, subs: map[*subscription]struct{}{}}
	s := &subscription{filter: EventFilter{Tenant: TenantRef{Name: "t0000", UID: "uid-t0000"}}, ch: make(chan *corev1.Event, streamBuffer), lost: make(chan struct{})}
	e.subs[s] = struct{}{}
	for range streamBuffer + 1 {
		e.publish(&corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: "t0000-a"}})
	}
	select {
	case <-s.lost:
	default:
		t.Fatal("a full stream is still subscribed")
	}
	if len(e.subs) != 0 {
		t.Error("the slow stream was not dropped")
	}
}
