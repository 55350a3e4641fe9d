// Package otlptest is an OTLP/gRPC trace collector for tests: it listens
// on loopback in plaintext and keeps every span it is sent, so that a test
// can follow one trace across the services (in-process or binaries) that
// exported its spans.
package otlptest

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	collectorpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
)

// Span is what tests look at of an exported span. Ids are hex; ParentID
// is empty at a trace's root.
type Span struct {
	Service                   string // the resource's service.name
	Name                      string
	Kind                      tracepb.Span_SpanKind
	TraceID, SpanID, ParentID string
}

func (s Span) String() string {
	return fmt.Sprintf("%s %s %s trace=%s span=%s parent=%s", s.Service, s.Kind, s.Name, s.TraceID, s.SpanID, s.ParentID)
}

// Collector receives spans until the test ends.
type Collector struct {
	collectorpb.UnimplementedTraceServiceServer
	// Endpoint is its URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it.
	Endpoint string

	mu    sync.Mutex
	spans []Span
}

// Start runs a collector on a free loopback port.
func Start(t testing.TB) *Collector {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &Collector{Endpoint: "http://" + lis.Addr().String()}
	srv := grpc.NewServer()
	collectorpb.RegisterTraceServiceServer(srv, c)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return c
}

// Setenv points the OTLP exporters of the telemetry this process makes
// from now on, and of the processes it starts, at c, batching spans for at
// most 100 ms, until the test ends.
func (c *Collector) Setenv(t testing.TB) {
	for name, value := range map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": c.Endpoint, "OTEL_EXPORTER_OTLP_INSECURE": "true",
		"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_BSP_SCHEDULE_DELAY": "100",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "",
		"OTEL_SDK_DISABLED": "", "OTEL_SERVICE_NAME": "",
	} {
		t.Setenv(name, value)
	}
}

// Export keeps the request's spans.
func (c *Collector) Export(_ context.Context, req *collectorpb.ExportTraceServiceRequest) (*collectorpb.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		var service string
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				service = kv.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				c.spans = append(c.spans, Span{Service: service, Name: s.GetName(), Kind: s.GetKind(),
					TraceID: hex.EncodeToString(s.GetTraceId()), SpanID: hex.EncodeToString(s.GetSpanId()),
					ParentID: hex.EncodeToString(s.GetParentSpanId())})
			}
		}
	}
	return &collectorpb.ExportTraceServiceResponse{}, nil
}

// Spans are the spans received so far.
func (c *Collector) Spans() []Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Span(nil), c.spans...)
}

// Await polls until check accepts the spans received, failing the test
// with check's last complaint after timeout: exporters send in batches.
func (c *Collector) Await(t testing.TB, timeout time.Duration, check func([]Span) error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check(c.Spans())
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %v", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
