package grpcmw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/grpcmw"
	"github.com/landlord-dev/landlord/services/internal/requestid"
)

type secretRequest struct{ Password string }

func TestLogAuditorWritesWhoWhatAndOutcomeButNeverTheRequest(t *testing.T) {
	var out bytes.Buffer
	a := grpcmw.LogAuditor{Logger: slog.New(slog.NewJSONHandler(&out, nil))}
	ctx := requestid.With(context.Background(), "req-1")
	a.Audit(ctx, grpcmw.AuditedCall{Method: "/x.v1.S/Delete", Target: "acme", Actor: "user:bob",
		Request: &secretRequest{Password: "hunter2"}, Err: fmt.Errorf("no: %w", apierror.ErrPermissionDenied)})

	if strings.Contains(out.String(), "hunter2") {
		t.Fatalf("the request reached the log: %s", out.String())
	}
	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"msg": "audit", "method": "/x.v1.S/Delete", "target": "acme", "actor": "user:bob",
		"code": "PermissionDenied", "request_id": "req-1"}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("%s = %v, want %v (line %s)", k, line[k], v, out.String())
		}
	}
}
