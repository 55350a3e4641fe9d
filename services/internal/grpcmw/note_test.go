package grpcmw_test

import (
	"context"
	"testing"

	"google.golang.org/grpc"

	"github.com/landlord-dev/landlord/services/internal/access"
	"github.com/landlord-dev/landlord/services/internal/grpcmw"
)

type recorder struct{ calls []grpcmw.AuditedCall }

func (r *recorder) Audit(_ context.Context, c grpcmw.AuditedCall) { r.calls = append(r.calls, c) }

// TestNoteAuditNamesWhomAPublicCallSignedIn: the handler of an audited
// public call can name the subject it signed in and what it was about; a
// call that is not audited records nothing either way.
func TestNoteAuditNamesWhomAPublicCallSignedIn(t *testing.T) {
	rec := &recorder{}
	table := &access.Table{Rules: map[string]access.Rule{
		"/x.v1.S/Poll":  access.Anyone().Audited(),
		"/x.v1.S/Start": access.Anyone(),
	}}
	unary, _ := grpcmw.Access(table, nil, nil, rec, 1)
	handler := func(ctx context.Context, _ any) (any, error) {
		grpcmw.NoteAudit(ctx, "user:ann", "devicelogins/ABCD-EFGH")
		return "ok", nil
	}
	for _, m := range []string{"/x.v1.S/Poll", "/x.v1.S/Start"} {
		if _, err := unary(context.Background(), struct{}{}, &grpc.UnaryServerInfo{FullMethod: m}, handler); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
	}
	if len(rec.calls) != 1 {
		t.Fatalf("audited %d calls, want 1: %+v", len(rec.calls), rec.calls)
	}
	if c := rec.calls[0]; c.Method != "/x.v1.S/Poll" || c.Actor != "user:ann" || c.Target != "devicelogins/ABCD-EFGH" || c.Err != nil {
		t.Errorf("audited %+v", c)
	}
	// Outside an audited call, NoteAudit does nothing (and does not panic).
	grpcmw.NoteAudit(context.Background(), "user:ann", "x")
}
