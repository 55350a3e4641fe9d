package cluster

import (
	"fmt"
	"reflect"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// newInformerEvents counts the changes each informer has applied to its cache:
// how many object changes per second collection keeps up with, which
// bench-observability compares with a plain watch of the same objects.
func newInformerEvents() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "landlord_observability_informer_events_total",
		Help: "Object changes (add, update, delete) the observability informers have applied to their caches, by kind."}, []string{"kind"})
}

// InformerEvents is the counter of informer events, for the service's /metrics.
func (w *Watcher) InformerEvents() prometheus.Collector { return w.informerEvents }

// countEvents adds a handler to inf that counts its events under obj's
// kind. Handlers run after the cache is updated, so a count is a change
// the usage answers already see.
func (w *Watcher) countEvents(inf toolscache.SharedIndexInformer, obj client.Object) error {
	c := w.informerEvents.WithLabelValues(kindOf(obj))
	_, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { c.Inc() },
		UpdateFunc: func(any, any) { c.Inc() },
		DeleteFunc: func(any) { c.Inc() },
	})
	if err != nil {
		return fmt.Errorf("counting events of %s: %w", kindOf(obj), err)
	}
	return nil
}

// kindOf names an informer's kind: the Go type, or for metadata-only
// informers the kind they watch.
func kindOf(obj client.Object) string {
	if m, ok := obj.(*metav1.PartialObjectMetadata); ok {
		return m.Kind
	}
	return reflect.TypeOf(obj).Elem().Name()
}
