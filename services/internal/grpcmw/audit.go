package grpcmw

import (
	"context"
	"log/slog"

	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/requestid"
)

// LogAuditor records audited calls as "audit" lines in the service's log,
// for services that keep no audit store of their own. It logs who, what,
// the target and the outcome, never the request itself.
type LogAuditor struct{ Logger *slog.Logger }

func (a LogAuditor) Audit(ctx context.Context, call AuditedCall) {
	st, _ := apierror.Status(call.Err)
	a.Logger.InfoContext(ctx, "audit", "method", call.Method, "target", call.Target,
		"actor", call.Actor, "code", st.Code().String(), "request_id", requestid.From(ctx))
}
