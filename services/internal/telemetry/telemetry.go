// Package telemetry sets up OpenTelemetry for one service: a meter provider
// exported to Prometheus at /metrics, and a tracer provider whose trace ids
// reach every log line and whose spans go over OTLP when the standard
// OTEL_EXPORTER_OTLP_* variables name a collector. Each server gets its own
// providers and registry, so several servers (as in tests) never share
// metric state.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"
)

// Providers are one service's telemetry pipelines.
type Providers struct {
	Meters   *sdkmetric.MeterProvider
	Tracers  *sdktrace.TracerProvider
	registry *prometheus.Registry
}

// New builds the providers for the named service. Spans are sampled when
// the caller's are (or always at the root) so trace ids are in the logs;
// they are exported over OTLP if the environment asks (see otlpExporter),
// and to any exporters given. OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES, if set, add to or override the resource.
func New(service string, exporters ...sdktrace.SpanExporter) (*Providers, error) {
	ctx := context.Background()
	res, err := resource.New(ctx, resource.WithAttributes(semconv.ServiceName(service)), resource.WithFromEnv())
	if err != nil {
		return nil, fmt.Errorf("telemetry resource: %w", err)
	}
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	exporter, err := otelprom.New(otelprom.WithRegisterer(registry))
	if err != nil {
		return nil, err
	}
	otlp, err := otlpExporter(ctx)
	if err != nil {
		return nil, err
	}
	if otlp != nil {
		exporters = append(exporters, otlp)
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

// propagator carries trace context and baggage across calls, the W3C way;
// handlers get it explicitly, so nothing depends on the global one.
var propagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

func (p *Providers) grpcOptions() []otelgrpc.Option {
	return []otelgrpc.Option{otelgrpc.WithTracerProvider(p.Tracers), otelgrpc.WithMeterProvider(p.Meters),
		otelgrpc.WithPropagators(propagator)}
}

// ServerHandler traces and measures a gRPC server's calls, continuing the
// caller's trace.
func (p *Providers) ServerHandler() stats.Handler {
	return otelgrpc.NewServerHandler(p.grpcOptions()...)
}

// DialOption traces and measures the calls of a connection to another
// Landlord service and sends the trace along, so that one request is one
// trace across services.
func (p *Providers) DialOption() grpc.DialOption {
	return grpc.WithStatsHandler(otelgrpc.NewClientHandler(p.grpcOptions()...))
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
