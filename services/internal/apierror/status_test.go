package apierror_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	metav1 "github.com/landlord-dev/landlord/gen/go/landlord/meta/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
)

func TestStatusMapsDomainErrors(t *testing.T) {
	cases := []struct {
		err      error
		code     codes.Code
		reason   metav1.ErrorReason
		internal bool
	}{
		{fmt.Errorf("user %q: %w", "ann", apierror.ErrNotFound), codes.NotFound, metav1.ErrorReason_ERROR_REASON_NOT_FOUND, false},
		{fmt.Errorf("tenant: %w", apierror.ErrAlreadyExists), codes.AlreadyExists, metav1.ErrorReason_ERROR_REASON_ALREADY_EXISTS, false},
		{apierror.ErrEtagMismatch, codes.Aborted, metav1.ErrorReason_ERROR_REASON_ETAG_MISMATCH, false},
		{apierror.ErrFailedPrecondition, codes.FailedPrecondition, metav1.ErrorReason_ERROR_REASON_FAILED_PRECONDITION, false},
		{apierror.ErrUnauthenticated, codes.Unauthenticated, metav1.ErrorReason_ERROR_REASON_UNAUTHENTICATED, false},
		{apierror.ErrPermissionDenied, codes.PermissionDenied, metav1.ErrorReason_ERROR_REASON_PERMISSION_DENIED, false},
		{apierror.ErrUnavailable, codes.Unavailable, metav1.ErrorReason_ERROR_REASON_UNAVAILABLE, false},
		{apierror.ErrAuthorizationPending, codes.FailedPrecondition, metav1.ErrorReason_ERROR_REASON_AUTHORIZATION_PENDING, false},
		{apierror.InvalidArgument("user.email", "not an email address"), codes.InvalidArgument, metav1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT, false},
		{&apierror.QuotaExceededError{Subject: "tenant:acme", Description: "namespaces: 5 of 5"}, codes.ResourceExhausted, metav1.ErrorReason_ERROR_REASON_QUOTA_EXCEEDED, false},
		{&apierror.RateLimitedError{RetryAfter: 2 * time.Second}, codes.ResourceExhausted, metav1.ErrorReason_ERROR_REASON_RATE_LIMITED, false},
		{errors.New("pq: connection refused at 10.0.0.7"), codes.Internal, metav1.ErrorReason_ERROR_REASON_INTERNAL, true},
	}
	for _, tc := range cases {
		st, internal := apierror.Status(tc.err)
		if st.Code() != tc.code || internal != tc.internal {
			t.Errorf("%v: code %v internal %v, want %v %v", tc.err, st.Code(), internal, tc.code, tc.internal)
		}
		if got := apierror.Reason(st.Err()); got != tc.reason {
			t.Errorf("%v: reason %v, want %v", tc.err, got, tc.reason)
		}
	}
}

func TestInternalErrorsHideTheirText(t *testing.T) {
	st, _ := apierror.Status(errors.New("open /var/lib/landlord/identity.db: permission denied"))
	if st.Message() == "" || st.Message() != status.Convert(st.Err()).Message() {
		t.Fatalf("message = %q", st.Message())
	}
	for _, secret := range []string{"/var/lib", "identity.db"} {
		if strings.Contains(st.Message(), secret) {
			t.Errorf("internal text %q leaked in %q", secret, st.Message())
		}
	}
}

func TestDetailsCarryFieldsAndRetryDelay(t *testing.T) {
	st, _ := apierror.Status(&apierror.InvalidArgumentError{Violations: []apierror.FieldViolation{
		{Field: "user.name", Description: "must be a DNS label"},
		{Field: "user.email", Description: "not an email address"},
	}})
	var fields []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fields = append(fields, v.GetField())
			}
		}
	}
	if len(fields) != 2 || fields[0] != "user.name" || fields[1] != "user.email" {
		t.Errorf("field violations = %v", fields)
	}

	st, _ = apierror.Status(fmt.Errorf("login: %w", &apierror.RateLimitedError{RetryAfter: 1500 * time.Millisecond}))
	var delay time.Duration
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			delay = ri.GetRetryDelay().AsDuration()
		}
	}
	if delay != 1500*time.Millisecond {
		t.Errorf("retry delay = %v, want 1.5s", delay)
	}
}

func TestContextAndStatusErrorsPassThrough(t *testing.T) {
	if st, _ := apierror.Status(fmt.Errorf("list: %w", context.Canceled)); st.Code() != codes.Canceled {
		t.Errorf("canceled -> %v", st.Code())
	}
	if st, _ := apierror.Status(context.DeadlineExceeded); st.Code() != codes.DeadlineExceeded {
		t.Errorf("deadline -> %v", st.Code())
	}
	downstream := status.Error(codes.FailedPrecondition, "plan has tenants")
	if st, internal := apierror.Status(downstream); st.Code() != codes.FailedPrecondition || internal {
		t.Errorf("downstream status -> %v (internal %v)", st.Code(), internal)
	}
}

func TestLimitsOnCallsAtOnceAreRateLimitsNamingTheLimit(t *testing.T) {
	st, _ := apierror.Status(&apierror.RateLimitedError{RetryAfter: time.Second, AtOnce: "2 streams"})
	if st.Code() != codes.ResourceExhausted || apierror.Reason(st.Err()) != metav1.ErrorReason_ERROR_REASON_RATE_LIMITED ||
		!strings.Contains(st.Message(), "at most 2 streams") {
		t.Errorf("%v %v %q", st.Code(), apierror.Reason(st.Err()), st.Message())
	}
}
