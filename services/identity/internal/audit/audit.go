// Package audit records every call identity's authorization table audits —
// who, what, when, request id and outcome, refusals included — and lists
// the log.
package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	rpccode "google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/protobuf/types/known/timestamppb"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/page"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/grpcmw"
	"github.com/landlord-dev/landlord/services/internal/requestid"
)

// Log records and lists audit events.
type Log struct {
	Store  store.Store
	Now    func() time.Time
	Logger *slog.Logger
}

// Audit records one call the authorization table audits (grpcmw.Auditor).
// A failure to record is logged, not returned: the call has already had
// its effect.
func (l *Log) Audit(ctx context.Context, call grpcmw.AuditedCall) {
	st, _ := apierror.Status(call.Err)
	ev := &identityv1.AuditEvent{
		Method: call.Method, Resource: resource(call.Request), Actor: call.Actor,
		RequestId: requestid.From(ctx), Code: rpccode.Code(st.Code()).String(),
	}
	if err := l.record(ctx, ev); err != nil {
		l.Logger.ErrorContext(ctx, "audit event not recorded", "method", call.Method, "error", err.Error())
	}
}

func (l *Log) record(ctx context.Context, ev *identityv1.AuditEvent) error {
	now := l.Now()
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	// Zero-padded nanoseconds sort in time order as bytes.
	ev.Id = fmt.Sprintf("%020d-%s", now.UnixNano(), hex.EncodeToString(suffix))
	ev.Time = timestamppb.New(now)
	return l.Store.Write(context.WithoutCancel(ctx), func(tx store.Tx) error { return tx.AppendAudit(ev) })
}

// List returns one page of events, newest first.
func (l *Log) List(ctx context.Context, size int32, token string) ([]*identityv1.AuditEvent, string, error) {
	return page.Fetch(ctx, l.Store, "audit", size, token, store.Tx.ListAudit,
		func(ev *identityv1.AuditEvent) string { return ev.GetId() })
}

// resource names what a request is about.
func resource(req any) string {
	switch r := req.(type) {
	case *identityv1.CreateUserRequest:
		return "users/" + r.GetUser().GetName()
	case *identityv1.UpdateUserRequest:
		return "users/" + r.GetUser().GetName()
	case *identityv1.CreateServiceAccountRequest:
		return "serviceaccounts/" + r.GetServiceAccount().GetName()
	case *identityv1.DeleteServiceAccountRequest:
		return "serviceaccounts/" + r.GetName()
	case *identityv1.GrantPlatformAdminRequest:
		return "platformadmins/" + r.GetUser()
	case *identityv1.RevokePlatformAdminRequest:
		return "platformadmins/" + r.GetUser()
	case *identityv1.CreateGroupRequest:
		return "groups/" + r.GetGroup().GetName()
	case *identityv1.DeleteGroupRequest:
		return "groups/" + r.GetName()
	case *identityv1.AddGroupMemberRequest:
		return "groups/" + r.GetGroup() + "/members/" + r.GetUser()
	case *identityv1.RemoveGroupMemberRequest:
		return "groups/" + r.GetGroup() + "/members/" + r.GetUser()
	case *identityv1.CreateApiKeyRequest:
		return "apikeys/" + r.GetApiKey().GetOwner()
	case *identityv1.RevokeApiKeyRequest:
		return "apikeys/" + r.GetId()
	case interface{ GetName() string }: // DeleteUser, SetPassword
		return "users/" + r.GetName()
	case *identityv1.SetMembershipRequest:
		return "tenants/" + r.GetMembership().GetTenant() + "/memberships/" + r.GetMembership().GetSubject()
	case *identityv1.DeleteMembershipRequest:
		return "tenants/" + r.GetTenant() + "/memberships/" + r.GetSubject()
	case *identityv1.LoginRequest:
		return "users/" + r.GetUsername()
	}
	return ""
}
