// Package audit records every call that changes identity's state, or tries
// to — who, what, when, request id and outcome — and lists the log.
package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	rpccode "google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/page"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/authn"
	"github.com/landlord-dev/landlord/services/internal/requestid"
)

// Log records and lists audit events.
type Log struct {
	Store  store.Store
	Now    func() time.Time
	Logger *slog.Logger
}

// audited are the methods that change state, or sign someone in or out.
var audited = map[string]bool{
	identityv1.UserService_CreateUser_FullMethodName:                     true,
	identityv1.UserService_UpdateUser_FullMethodName:                     true,
	identityv1.UserService_DeleteUser_FullMethodName:                     true,
	identityv1.UserService_SetPassword_FullMethodName:                    true,
	identityv1.MembershipService_SetMembership_FullMethodName:            true,
	identityv1.MembershipService_DeleteMembership_FullMethodName:         true,
	identityv1.AuthService_Login_FullMethodName:                          true,
	identityv1.AuthService_Refresh_FullMethodName:                        true,
	identityv1.AuthService_Logout_FullMethodName:                         true,
	identityv1.AuthService_ExchangeApiKey_FullMethodName:                 true,
	identityv1.ApiKeyService_CreateApiKey_FullMethodName:                 true,
	identityv1.ApiKeyService_RevokeApiKey_FullMethodName:                 true,
	identityv1.ServiceAccountService_CreateServiceAccount_FullMethodName: true,
	identityv1.ServiceAccountService_DeleteServiceAccount_FullMethodName: true,
	identityv1.SigningKeyService_RotateSigningKey_FullMethodName:         true,
	identityv1.GroupService_CreateGroup_FullMethodName:                   true,
	identityv1.PlatformAdminService_GrantPlatformAdmin_FullMethodName:    true,
	identityv1.PlatformAdminService_RevokePlatformAdmin_FullMethodName:   true,
	identityv1.GroupService_DeleteGroup_FullMethodName:                   true,
	identityv1.GroupService_AddGroupMember_FullMethodName:                true,
	identityv1.GroupService_RemoveGroupMember_FullMethodName:             true,
}

// Interceptor records each audited call after it ran. A failure to record
// is logged, not returned: the change itself has already happened.
func (l *Log) Interceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if audited[info.FullMethod] {
			st, _ := apierror.Status(err)
			ev := &identityv1.AuditEvent{
				Method: info.FullMethod, Resource: resource(req),
				RequestId: requestid.From(ctx), Code: rpccode.Code(st.Code()).String(),
			}
			if claims, cerr := authn.Claims(ctx); cerr == nil {
				ev.Actor = claims.Subject
			}
			if werr := l.record(ctx, ev); werr != nil {
				l.Logger.ErrorContext(ctx, "audit event not recorded", "method", info.FullMethod, "error", werr.Error())
			}
		}
		return resp, err
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
