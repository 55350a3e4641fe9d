package cluster

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"

	"github.com/landlord-dev/landlord/services/internal/apierror"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// +kubebuilder:rbac:groups="",resources=events,verbs=get;list;watch

// Events is one trimmed informer on the cluster's Events (trimEvent),
// fanned out to every stream that watches a tenant: one watch on the API
// server, however many clients watch.
type Events struct {
	informer toolscache.SharedIndexInformer
	owners   *Watcher

	mu   sync.Mutex // guards subs
	subs map[*subscription]struct{}
}

// EventFilter is what one stream wants: the events of a tenant's
// namespaces and of the Tenant itself, or of one of its namespaces, last
// seen at or after Since.
type EventFilter struct {
	Tenant    TenantRef
	Namespace string
	Since     time.Time
}

// streamBuffer is how far a stream may fall behind the informer before it
// is ended (UNAVAILABLE: reconnect with since).
const streamBuffer = 256

type subscription struct {
	filter EventFilter
	ch     chan *corev1.Event
	lost   chan struct{} // closed when ch overflowed
}

// NewEvents builds the Events informer; owners decides whose namespace an
// Event is in. Nothing runs until Run.
func NewEvents(cfg *rest.Config, owners *Watcher) (*Events, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return newEvents(toolscache.NewListWatchFromClient(cs.CoreV1().RESTClient(), "events", metav1.NamespaceAll, fields.Everything()), owners)
}

func newEvents(lw toolscache.ListerWatcher, owners *Watcher) (*Events, error) {
	inf := toolscache.NewSharedIndexInformer(lw, &corev1.Event{}, 0, toolscache.Indexers{toolscache.NamespaceIndex: toolscache.MetaNamespaceIndexFunc})
	if err := inf.SetTransform(transform(trimEvent)); err != nil {
		return nil, err
	}
	e := &Events{informer: inf, owners: owners, subs: map[*subscription]struct{}{}}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc: e.publish,
		UpdateFunc: func(old, obj any) {
			// A repeated event has a new resourceVersion; a resync does not.
			if o, ok := old.(*corev1.Event); !ok || o.ResourceVersion != obj.(*corev1.Event).ResourceVersion {
				e.publish(obj)
			}
		},
	}); err != nil {
		return nil, err
	}
	return e, nil
}

// Run runs the informer until ctx ends.
func (e *Events) Run(ctx context.Context) error {
	e.informer.RunWithContext(ctx)
	return nil
}

func (e *Events) publish(obj any) {
	ev, ok := obj.(*corev1.Event)
	if !ok {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for s := range e.subs {
		if !e.matches(s.filter, ev) {
			continue
		}
		select {
		case s.ch <- ev:
		default:
			close(s.lost)
			delete(e.subs, s)
		}
	}
}

// Watch sends the last recent events that match f, oldest first, then
// each new one, until ctx ends (nil) or send fails; a stream too far
// behind ends with ErrUnavailable.
func (e *Events) Watch(ctx context.Context, f EventFilter, recent int, send func(*corev1.Event) error) error {
	if !toolscache.WaitForCacheSync(ctx.Done(), e.informer.HasSynced) {
		return ctx.Err()
	}
	s := &subscription{filter: f, ch: make(chan *corev1.Event, streamBuffer), lost: make(chan struct{})}
	e.mu.Lock()
	e.subs[s] = struct{}{}
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.subs, s)
		e.mu.Unlock()
	}()
	// Subscribed first, then listed: an event is in the list, or comes
	// through the subscription, or both (then it is sent once).
	held, err := e.held(f)
	if err != nil {
		return err
	}
	seen := make(map[string]bool, len(held))
	for _, ev := range held {
		seen[version(ev)] = true
	}
	for _, ev := range held[max(0, len(held)-recent):] {
		if err := send(ev); err != nil {
			return err
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.lost:
			return fmt.Errorf("event stream fell more than %d events behind; reconnect with since: %w", streamBuffer, apierror.ErrUnavailable)
		case ev := <-s.ch:
			if v := version(ev); seen[v] {
				delete(seen, v)
				continue
			}
			if err := send(ev); err != nil {
				return err
			}
		}
	}
}

// held is what the informer holds that matches f, oldest first.
func (e *Events) held(f EventFilter) ([]*corev1.Event, error) {
	namespaces, err := e.owners.TenantNamespaces(f.Tenant)
	if err != nil {
		return nil, err
	}
	namespaces = append(namespaces, metav1.NamespaceDefault)
	var out []*corev1.Event
	for _, ns := range namespaces {
		objs, err := e.informer.GetIndexer().ByIndex(toolscache.NamespaceIndex, ns)
		if err != nil {
			return nil, err
		}
		for _, obj := range objs {
			if ev, ok := obj.(*corev1.Event); ok && e.matches(f, ev) {
				out = append(out, ev)
			}
		}
	}
	slices.SortFunc(out, func(a, b *corev1.Event) int {
		if c := a.LastTimestamp.Compare(b.LastTimestamp.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	return out, nil
}

func version(ev *corev1.Event) string { return string(ev.UID) + "/" + ev.ResourceVersion }

// matches: the event is in one of f's tenant's namespaces (owned as
// usage counts them, never a colliding foreign one), or is about f's
// Tenant itself (by UID: a tenant created again under a deleted one's
// name sees none of its events).
func (e *Events) matches(f EventFilter, ev *corev1.Event) bool {
	if ev.LastTimestamp.Time.Before(f.Since) || f.Namespace != "" && ev.Namespace != f.Namespace {
		return false
	}
	if ev.Namespace == metav1.NamespaceDefault && aboutTenant(ev, f.Tenant) {
		return f.Namespace == ""
	}
	ref, ok := e.owners.NamespaceTenant(ev.Namespace)
	return ok && ref == f.Tenant
}

// aboutTenant: Kubernetes keeps the events of a cluster-scoped object,
// such as the operator's about a Tenant, in the default namespace.
func aboutTenant(ev *corev1.Event, t TenantRef) bool {
	o := ev.InvolvedObject
	gv, err := schema.ParseGroupVersion(o.APIVersion)
	return err == nil && gv.Group == v1alpha1.GroupVersion.Group && o.Kind == "Tenant" && o.Name == t.Name && string(o.UID) == t.UID
}
