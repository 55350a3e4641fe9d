package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/landlord-dev/landlord/services/internal/logging"
	"github.com/landlord-dev/landlord/services/internal/requestid"
)

func TestLinesCarryRequestAndTraceIDs(t *testing.T) {
	var buf bytes.Buffer
	log := logging.New(&buf, slog.LevelInfo).With("service", "identity")

	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	ctx, span := tp.Tracer("test").Start(requestid.With(context.Background(), "req-1"), "call")
	log.InfoContext(ctx, "hello")
	span.End()

	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("not JSON: %q", buf.String())
	}
	if line["request_id"] != "req-1" || line["service"] != "identity" {
		t.Errorf("line = %v", line)
	}
	if line["trace_id"] != span.SpanContext().TraceID().String() {
		t.Errorf("trace_id = %v, want %v", line["trace_id"], span.SpanContext().TraceID())
	}
}

func TestLinesWithoutCallContextHaveNoIDs(t *testing.T) {
	var buf bytes.Buffer
	logging.New(&buf, slog.LevelInfo).Info("starting")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if _, ok := line["request_id"]; ok {
		t.Errorf("unexpected request_id in %v", line)
	}
}
