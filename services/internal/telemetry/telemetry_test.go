package telemetry

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/test/bufconn"

	"github.com/landlord-dev/landlord/services/internal/testing/otlptest"
)

// clearEnv unsets, for the test, every variable that turns export on or
// changes the resource.
func clearEnv(t *testing.T) {
	for _, name := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
		"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_SDK_DISABLED",
		"OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES"} {
		t.Setenv(name, "")
	}
}

func TestNoExporterWithoutEndpoint(t *testing.T) {
	clearEnv(t)
	if e, err := otlpExporter(context.Background()); e != nil || err != nil {
		t.Fatalf("no OTEL_* variables: exporter %v, %v; want none", e, err)
	}
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:4317")
	t.Setenv("OTEL_SDK_DISABLED", "true")
	if e, err := otlpExporter(context.Background()); e != nil || err != nil {
		t.Fatalf("OTEL_SDK_DISABLED=true: exporter %v, %v; want none", e, err)
	}
}

// span makes one span in a service's providers and shuts them down,
// which flushes it to the exporter.
func span(t *testing.T, service string) {
	t.Helper()
	p, err := New(service)
	if err != nil {
		t.Fatal(err)
	}
	_, s := p.Tracers.Tracer("test").Start(context.Background(), "work")
	s.End()
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestExportsOverOTLPgRPC(t *testing.T) {
	clearEnv(t)
	c := otlptest.Start(t)
	c.Setenv(t)
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=test")
	if e, err := otlpExporter(context.Background()); e == nil || err != nil {
		t.Fatalf("OTEL_EXPORTER_OTLP_ENDPOINT set: exporter %v, %v; want one", e, err)
	}
	span(t, "svc")
	if got := c.Spans(); len(got) != 1 || got[0].Service != "svc" || got[0].Name != "work" {
		t.Fatalf("collector got %v, want the span of svc", got)
	}
}

func TestExportsOverOTLPHTTP(t *testing.T) {
	clearEnv(t)
	var posts atomic.Int32
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/traces" {
			posts.Add(1)
		}
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", collector.URL+"/v1/traces")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	span(t, "svc")
	if posts.Load() == 0 {
		t.Fatal("no spans posted to /v1/traces")
	}
}

func TestUnknownProtocol(t *testing.T) {
	clearEnv(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json")
	if _, err := New("svc"); err == nil {
		t.Fatal("New with protocol http/json: no error")
	}
}

// TestOneTraceAcrossServices: a call from one service to another is one
// trace, the callee's server span a child of the caller's client span.
func TestOneTraceAcrossServices(t *testing.T) {
	clearEnv(t)
	spans := tracetest.NewInMemoryExporter()
	caller, err := New("caller", spans)
	if err != nil {
		t.Fatal(err)
	}
	callee, err := New("callee", spans)
	if err != nil {
		t.Fatal(err)
	}
	lis := bufconn.Listen(1 << 16)
	srv := grpc.NewServer(grpc.StatsHandler(callee.ServerHandler()))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	conn, err := grpc.NewClient("passthrough:///bufconn", caller.DialOption(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	ctx, request := caller.Tracers.Tracer("test").Start(context.Background(), "request")
	if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	request.End()
	for _, p := range []*Providers{caller, callee} {
		// Flush, not Shutdown: that would empty the in-memory exporter.
		if err := p.Tracers.ForceFlush(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer p.Shutdown(context.Background())
	}
	byKind := map[trace.SpanKind]sdktrace.ReadOnlySpan{}
	for _, s := range spans.GetSpans().Snapshots() {
		byKind[s.SpanKind()] = s
	}
	client, server := byKind[trace.SpanKindClient], byKind[trace.SpanKindServer]
	if client == nil || server == nil {
		t.Fatalf("spans %v: want a client and a server span", spans.GetSpans())
	}
	if client.Parent().SpanID() != request.SpanContext().SpanID() {
		t.Errorf("client span's parent is %v, want the request's span %v", client.Parent().SpanID(), request.SpanContext().SpanID())
	}
	if server.SpanContext().TraceID() != request.SpanContext().TraceID() || server.Parent().SpanID() != client.SpanContext().SpanID() {
		t.Errorf("server span in trace %v with parent %v, want trace %v, parent %v (the client span)",
			server.SpanContext().TraceID(), server.Parent().SpanID(), request.SpanContext().TraceID(), client.SpanContext().SpanID())
	}
	if got := server.Resource().String(); got != "service.name=callee" {
		t.Errorf("server span's resource is %s, want the callee's", got)
	}
}
