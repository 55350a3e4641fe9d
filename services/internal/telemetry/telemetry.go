// Package telemetry sets up OpenTelemetry for one service: a meter provider
// exported to Prometheus at /metrics, and a tracer provider whose trace ids
// reach every log line. Each server gets its own providers and registry, so
// several servers (as in tests) never share metric state.
package telemetry

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
)

// Providers are one service's telemetry pipelines.
type Providers struct {
	Meters   *sdkmetric.MeterProvider
	Tracers  *sdktrace.TracerProvider
	registry *prometheus.Registry
}

// New builds the providers for the named service. Spans are sampled when
// the caller's are (or always at the root) so trace ids are in the logs;
// exporting spans is left to an exporter a deployment adds.
func New(service string, exporters ...sdktrace.SpanExporter) (*Providers, error) {
	res := resource.NewSchemaless(semconv.ServiceName(service))
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	exporter, err := otelprom.New(otelprom.WithRegisterer(registry))
	if err != nil {
		return nil, err
	}
	opts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
	}
	for _, e := range exporters {
		opts = append(opts, sdktrace.WithBatcher(e))
	}
	return &Providers{
		Meters:   sdkmetric.NewMeterProvider(sdkmetric.WithResource(res), sdkmetric.WithReader(exporter)),
		Tracers:  sdktrace.NewTracerProvider(opts...),
		registry: registry,
	}, nil
}

// MetricsHandler serves the Prometheus text format: the service's metrics
// and those of any extra gatherers.
func (p *Providers) MetricsHandler(extra ...prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(firstWins(append([]prometheus.Gatherer{p.registry}, extra...)), promhttp.HandlerOpts{})
}

// firstWins merges gatherers, keeping a metric family from the first one
// that has it: libraries register the Go and process collectors in their
// own registries too, and serving both would fail every scrape.
type firstWins []prometheus.Gatherer

func (gs firstWins) Gather() ([]*dto.MetricFamily, error) {
	seen := map[string]bool{}
	var out []*dto.MetricFamily
	var errs []error
	for _, g := range gs {
		families, err := g.Gather()
		errs = append(errs, err)
		for _, f := range families {
			if !seen[f.GetName()] {
				seen[f.GetName()] = true
				out = append(out, f)
			}
		}
	}
	slices.SortFunc(out, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
	return out, errors.Join(errs...)
}

// Shutdown flushes and stops both providers.
func (p *Providers) Shutdown(ctx context.Context) error {
	return errors.Join(p.Tracers.Shutdown(ctx), p.Meters.Shutdown(ctx))
}
