package identity_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	"github.com/landlord-dev/landlord/services/internal/testing/grpctest"
)

func TestBadRequestsGetTheRightCodes(t *testing.T) {
	// Failed anonymous calls reach the audit log as summaries: write them often.
	id := startIdentity(t, t.TempDir(), func(c *identity.Config) { c.Limits.Audit.FlushEvery = 50 * time.Millisecond })
	admin := bearer(id.login(t, identity.BootstrapAdmin, id.adminPassword(t), "").GetAccessToken())
	users := identityv1.NewUserServiceClient(id.conn)
	auth := identityv1.NewAuthServiceClient(id.conn)
	ctx := context.Background()

	_, err := users.CreateUser(admin, &identityv1.CreateUserRequest{User: &identityv1.User{Name: "Not_A_Label"}})
	code(t, err, codes.InvalidArgument, "invalid name")
	if field := grpctest.FieldViolation(err); field != "user.name" {
		t.Errorf("violation names %q, want user.name", field)
	}
	_, err = users.CreateUser(admin, &identityv1.CreateUserRequest{User: &identityv1.User{Name: "bob", Email: "not-an-email"}})
	code(t, err, codes.InvalidArgument, "invalid email")
	_, err = users.CreateUser(admin, &identityv1.CreateUserRequest{User: &identityv1.User{Name: "bob"}, Password: "short"})
	code(t, err, codes.InvalidArgument, "short password")

	created, err := users.CreateUser(admin, &identityv1.CreateUserRequest{User: &identityv1.User{Name: "bob"}, Password: "a long enough password", RequestId: "4f8a2c1e-9d3b-4e5f-8a7b-6c5d4e3f2a1b"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := users.CreateUser(admin, &identityv1.CreateUserRequest{User: &identityv1.User{Name: "bob"}, Password: "a long enough password", RequestId: "4f8a2c1e-9d3b-4e5f-8a7b-6c5d4e3f2a1b"})
	if err != nil || again.GetUser().GetEtag() != created.GetUser().GetEtag() {
		t.Errorf("retried create with the same request_id: %v, %v", again, err)
	}
	_, err = users.CreateUser(admin, &identityv1.CreateUserRequest{User: &identityv1.User{Name: "bob"}})
	code(t, err, codes.AlreadyExists, "duplicate user")

	update := &identityv1.UpdateUserRequest{User: &identityv1.User{Name: "bob", DisplayName: "Bob"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}, Etag: created.GetUser().GetEtag()}
	if _, err := users.UpdateUser(admin, update); err != nil {
		t.Fatal(err)
	}
	_, err = users.UpdateUser(admin, update)
	code(t, err, codes.Aborted, "update with a stale etag")
	_, err = users.UpdateUser(admin, &identityv1.UpdateUserRequest{User: &identityv1.User{Name: "bob"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"name"}}})
	code(t, err, codes.InvalidArgument, "update of an immutable field")
	_, err = users.GetUser(admin, &identityv1.GetUserRequest{Name: "nobody"})
	code(t, err, codes.NotFound, "unknown user")
	_, err = users.ListUsers(admin, &identityv1.ListUsersRequest{PageToken: "forged"})
	code(t, err, codes.InvalidArgument, "forged page token")

	bob := bearer(id.login(t, "bob", "a long enough password", "").GetAccessToken())
	_, err = users.CreateUser(bob, &identityv1.CreateUserRequest{User: &identityv1.User{Name: "eve"}})
	code(t, err, codes.PermissionDenied, "non-admin creating a user")
	_, err = users.GetUser(bob, &identityv1.GetUserRequest{Name: identity.BootstrapAdmin})
	code(t, err, codes.NotFound, "non-admin reading another user")
	_, err = identityv1.NewMembershipServiceClient(id.conn).ListMemberships(bob, &identityv1.ListMembershipsRequest{Tenant: "acme"})
	code(t, err, codes.NotFound, "listing a tenant one is not in")
	_, err = users.GetUser(ctx, &identityv1.GetUserRequest{Name: "bob"})
	code(t, err, codes.Unauthenticated, "no token")
	_, err = users.CreateUser(bearer("garbage"), &identityv1.CreateUserRequest{User: &identityv1.User{Name: "mallory"}})
	code(t, err, codes.Unauthenticated, "creating a user with a forged token")
	_, err = users.GetUser(bearer("garbage"), &identityv1.GetUserRequest{Name: "bob"})
	code(t, err, codes.Unauthenticated, "malformed token")

	// Wrong password and unknown user: the same answer.
	_, wrong := auth.Login(ctx, &identityv1.LoginRequest{Username: "bob", Password: "not the password"})
	_, unknown := auth.Login(ctx, &identityv1.LoginRequest{Username: "nobody", Password: "not the password"})
	if status.Convert(wrong).Message() != status.Convert(unknown).Message() || status.Code(wrong) != codes.Unauthenticated {
		t.Errorf("wrong password %v vs unknown user %v", wrong, unknown)
	}
	// Repeated failures lock the name out, with a retry delay.
	var locked error
	for range 6 {
		_, locked = auth.Login(ctx, &identityv1.LoginRequest{Username: "bob", Password: "still not it"})
	}
	code(t, locked, codes.ResourceExhausted, "login after repeated failures")
	if !hasRetryInfo(locked) {
		t.Errorf("lock-out without RetryInfo: %v", locked)
	}
	// The server keeps serving after all of that.
	if _, err := users.ListUsers(admin, &identityv1.ListUsersRequest{}); err != nil {
		t.Errorf("list after bad requests: %v", err)
	}

	_, err = identityv1.NewAuditServiceClient(id.conn).ListAuditEvents(bob, &identityv1.ListAuditEventsRequest{})
	code(t, err, codes.PermissionDenied, "non-admin reading the audit log")

	// Every attempted change is in the audit log: who, what, request id,
	// outcome; failed anonymous calls as summaries, once they are written.
	anonymous := []string{
		" /landlord.identity.v1.UserService/CreateUser users/mallory UNAUTHENTICATED",
		" /landlord.identity.v1.AuthService/Login users/bob UNAUTHENTICATED",
		" /landlord.identity.v1.AuthService/Login users/bob RESOURCE_EXHAUSTED",
	}
	devclustertest.Eventually(t, 10*time.Second, func() error {
		seen, _ := auditLog(t, id, admin)
		for _, want := range anonymous {
			if seen[want] == 0 {
				return fmt.Errorf("audit log lacks %q", want)
			}
		}
		return nil
	})
	traced := metadata.AppendToOutgoingContext(admin, "x-request-id", "audit-me-1")
	if _, err := users.DeleteUser(traced, &identityv1.DeleteUserRequest{Name: "bob"}); err != nil {
		t.Fatal(err)
	}
	seen, events := auditLog(t, id, admin)
	for _, ev := range events {
		if ev.GetRequestId() == "audit-me-1" && (ev.GetResource() != "users/bob" || ev.GetCode() != "OK") {
			t.Errorf("traced event = %v", ev)
		}
	}
	if latest := events[0]; latest.GetRequestId() != "audit-me-1" {
		t.Errorf("newest event = %v, want the DeleteUser call", latest)
	}
	// bob failed seven logins: one, then six in a row, the last one locked.
	if n := seen[anonymous[1]]; n != 6 {
		t.Errorf("summaries count %d failed logins of bob, want 6", n)
	}
	for _, want := range []string{
		"user:admin /landlord.identity.v1.UserService/CreateUser users/bob OK",
		"user:admin /landlord.identity.v1.UserService/CreateUser users/bob ALREADY_EXISTS",
		"user:bob /landlord.identity.v1.UserService/CreateUser users/eve PERMISSION_DENIED",
		// Refused before any handler ran: by validation.
		"user:admin /landlord.identity.v1.UserService/CreateUser users/Not_A_Label INVALID_ARGUMENT",
	} {
		if seen[want] == 0 {
			t.Errorf("audit log lacks %q", want)
		}
	}
	// bob was deleted above: his token died with him.
	_, err = identityv1.NewAuditServiceClient(id.conn).ListAuditEvents(bob, &identityv1.ListAuditEventsRequest{})
	code(t, err, codes.Unauthenticated, "deleted user reading the audit log")
}

// auditLog reads the newest 1,000 events: how many calls each "actor
// method resource code" stands for, and the events, newest first.
func auditLog(t *testing.T, id *running, admin context.Context) (map[string]int64, []*identityv1.AuditEvent) {
	t.Helper()
	log, err := identityv1.NewAuditServiceClient(id.conn).ListAuditEvents(admin, &identityv1.ListAuditEventsRequest{PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int64{}
	for _, ev := range log.GetEvents() {
		seen[ev.GetActor()+" "+ev.GetMethod()+" "+ev.GetResource()+" "+ev.GetCode()] += max(1, ev.GetCount())
	}
	return seen, log.GetEvents()
}

func hasRetryInfo(err error) bool {
	ri, ok := grpctest.Detail[*errdetails.RetryInfo](err)
	return ok && ri.GetRetryDelay().AsDuration() > 0
}
