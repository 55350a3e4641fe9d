package provisioning

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// writeCounter counts every request that changes the cluster (POST, PUT,
// PATCH, DELETE) by verb and resource, so that "a resync with nothing to
// change writes nothing" is something /metrics shows, not a hope. It counts
// from the first request, before the runtime (and its meter provider)
// exists; register exports the counts.
type writeCounter struct {
	counts sync.Map // "VERB resource" -> *count
}

type count struct {
	attrs attribute.Set
	n     atomic.Int64
}

// Wrap is a rest.Config WrapTransport.
func (w *writeCounter) Wrap(rt http.RoundTripper) http.RoundTripper {
	return &countingTransport{counter: w, next: rt}
}

func (w *writeCounter) add(verb, resource string) {
	key := verb + " " + resource
	c, ok := w.counts.Load(key)
	if !ok {
		c, _ = w.counts.LoadOrStore(key, &count{attrs: attribute.NewSet(attribute.String("verb", verb), attribute.String("resource", resource))})
	}
	c.(*count).n.Add(1)
}

// register exports the counts as landlord_provisioning_kube_writes_total.
func (w *writeCounter) register(meters metric.MeterProvider) error {
	_, err := meters.Meter("landlord/provisioning").Int64ObservableCounter("landlord.provisioning.kube.writes",
		metric.WithDescription("Requests the operator sent to the Kubernetes API server that change state (POST, PUT, PATCH, DELETE)"),
		metric.WithUnit("{request}"),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			w.counts.Range(func(_, v any) bool {
				c := v.(*count)
				o.Observe(c.n.Load(), metric.WithAttributeSet(c.attrs))
				return true
			})
			return nil
		}))
	return err
}

type countingTransport struct {
	counter *writeCounter
	next    http.RoundTripper
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		t.counter.add(req.Method, resource(req.URL.Path))
	}
	return t.next.RoundTrip(req)
}

// WrappedRoundTripper lets client-go see through the wrapper.
func (t *countingTransport) WrappedRoundTripper() http.RoundTripper { return t.next }

// resource names the resource (and subresource) of an API path:
// /api/v1/namespaces/x/resourcequotas/q is "resourcequotas",
// /apis/landlord.dev/v1alpha1/tenants/t/status is "tenants/status".
func resource(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		parts = parts[3:]
	default:
		return "other"
	}
	if len(parts) >= 3 && parts[0] == "namespaces" && parts[2] != "status" && parts[2] != "finalize" {
		parts = parts[2:] // namespaced: skip namespaces/<name>
	}
	switch len(parts) {
	case 0:
		return "other"
	case 1, 2:
		return parts[0]
	default:
		return parts[0] + "/" + parts[2]
	}
}
