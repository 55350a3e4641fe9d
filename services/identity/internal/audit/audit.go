// Package audit records every call identity's authorization table audits —
// who, what, when, request id and outcome, refusals included — and lists
// the log.
//
// What it may cost is bounded. Calls that failed without an authenticated
// caller (bad logins, forged tokens: anyone can make them, as fast as they
// like) are not written one by one: they are summed in memory per method,
// code and resource and written as one summary event per interval
// (summary.go). Run deletes events past a maximum age and beyond a maximum
// number (retention.go), so the log cannot fill the disk.
package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	rpccode "google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/protobuf/types/known/timestamppb"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/device"
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
	// Retention is how long and how many events are kept, and how often
	// failed anonymous calls are summed up.
	Retention Retention

	mu      sync.Mutex
	pending map[summaryKey]int64 // failed anonymous calls not yet written
	stored  atomic.Int64         // events in the store, counted by Run
}

// Audit records one call the authorization table audits (grpcmw.Auditor).
// A failed call without an authenticated caller is only counted, for the
// next summary. A failure to record is logged, not returned: the call has
// already had its effect.
func (l *Log) Audit(ctx context.Context, call grpcmw.AuditedCall) {
	st, _ := apierror.Status(call.Err)
	code := rpccode.Code(st.Code()).String()
	if call.Actor == "" && call.Err != nil {
		l.tally(call.Method, code, resource(call.Request))
		return
	}
	res := resource(call.Request)
	if res == "" {
		res = call.Target // what the handler noted (grpcmw.NoteAudit)
	}
	ev := &identityv1.AuditEvent{
		Method: call.Method, Resource: res, Actor: call.Actor,
		RequestId: requestid.From(ctx), Code: code,
	}
	if err := l.write(ctx, ev); err != nil {
		l.Logger.ErrorContext(ctx, "audit event not recorded", "method", call.Method, "error", err.Error())
	}
}

// write stores events in one transaction: one synced write for them all.
func (l *Log) write(ctx context.Context, evs ...*identityv1.AuditEvent) error {
	now := l.Now()
	for _, ev := range evs {
		suffix := make([]byte, 4)
		_, _ = rand.Read(suffix)
		// Zero-padded nanoseconds sort in time order as bytes.
		ev.Id = idAt(now) + "-" + hex.EncodeToString(suffix)
		ev.Time = timestamppb.New(now)
	}
	err := l.Store.Write(context.WithoutCancel(ctx), func(tx store.Tx) error {
		for _, ev := range evs {
			if err := tx.AppendAudit(ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		l.stored.Add(int64(len(evs)))
	}
	return err
}

// idAt is the id prefix of events recorded at t; every id of an event
// recorded before t sorts before it.
func idAt(t time.Time) string { return fmt.Sprintf("%020d", t.UnixNano()) }

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
	case *identityv1.DeleteTenantMembershipsRequest:
		return "tenants/" + r.GetTenant() + "/memberships"
	case *identityv1.DeleteMembershipRequest:
		return "tenants/" + r.GetTenant() + "/memberships/" + r.GetSubject()
	case *identityv1.LoginRequest:
		return "users/" + r.GetUsername()
	case *identityv1.ApproveDeviceLoginRequest:
		return "devicelogins/" + device.FormatUserCode(device.NormalizeUserCode(r.GetUserCode()))
	}
	return ""
}
