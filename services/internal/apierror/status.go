package apierror

import (
	"context"
	"errors"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"

	metav1 "github.com/landlord-dev/landlord/gen/go/landlord/meta/v1"
)

// internalMessage is all a client learns of an unexpected failure.
const internalMessage = "internal error; quote the request id when reporting it"

var sentinels = []struct {
	err    error
	code   codes.Code
	reason metav1.ErrorReason
}{
	{ErrNotFound, codes.NotFound, metav1.ErrorReason_ERROR_REASON_NOT_FOUND},
	{ErrAlreadyExists, codes.AlreadyExists, metav1.ErrorReason_ERROR_REASON_ALREADY_EXISTS},
	{ErrEtagMismatch, codes.Aborted, metav1.ErrorReason_ERROR_REASON_ETAG_MISMATCH},
	{ErrFailedPrecondition, codes.FailedPrecondition, metav1.ErrorReason_ERROR_REASON_FAILED_PRECONDITION},
	{ErrUnauthenticated, codes.Unauthenticated, metav1.ErrorReason_ERROR_REASON_UNAUTHENTICATED},
	{ErrPermissionDenied, codes.PermissionDenied, metav1.ErrorReason_ERROR_REASON_PERMISSION_DENIED},
	{ErrUnavailable, codes.Unavailable, metav1.ErrorReason_ERROR_REASON_UNAVAILABLE},
	{ErrAuthorizationPending, codes.FailedPrecondition, metav1.ErrorReason_ERROR_REASON_AUTHORIZATION_PENDING},
}

// Status maps err to the status a client receives. internal reports that
// err was unexpected: the caller must log it, since the status hides it.
func Status(err error) (st *status.Status, internal bool) {
	if err == nil {
		return status.New(codes.OK, ""), false
	}
	var (
		invalid *InvalidArgumentError
		quota   *QuotaExceededError
		limited *RateLimitedError
	)
	switch {
	case errors.As(err, &invalid):
		br := &errdetails.BadRequest{}
		for _, v := range invalid.Violations {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Description})
		}
		return build(codes.InvalidArgument, err.Error(), metav1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT, br), false
	case errors.As(err, &quota):
		qf := &errdetails.QuotaFailure{Violations: []*errdetails.QuotaFailure_Violation{{Subject: quota.Subject, Description: quota.Description}}}
		return build(codes.ResourceExhausted, err.Error(), metav1.ErrorReason_ERROR_REASON_QUOTA_EXCEEDED, qf), false
	case errors.As(err, &limited):
		ri := &errdetails.RetryInfo{RetryDelay: durationpb.New(limited.RetryAfter)}
		return build(codes.ResourceExhausted, err.Error(), metav1.ErrorReason_ERROR_REASON_RATE_LIMITED, ri), false
	case errors.Is(err, context.Canceled):
		return status.New(codes.Canceled, "the call was canceled"), false
	case errors.Is(err, context.DeadlineExceeded):
		return status.New(codes.DeadlineExceeded, "the call's deadline passed"), false
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return build(s.code, err.Error(), s.reason), false
		}
	}
	// A status made on purpose (by gRPC itself or a downstream Landlord
	// service) passes through unchanged.
	if st, ok := status.FromError(err); ok && st.Code() != codes.Unknown {
		return st, false
	}
	return build(codes.Internal, internalMessage, metav1.ErrorReason_ERROR_REASON_INTERNAL), true
}

// build makes a status with an ErrorInfo and any further details.
func build(code codes.Code, msg string, reason metav1.ErrorReason, details ...protoadapt.MessageV1) *status.Status {
	st := status.New(code, msg)
	info := &errdetails.ErrorInfo{Reason: reason.String(), Domain: Domain}
	withDetails, err := st.WithDetails(append([]protoadapt.MessageV1{info}, details...)...)
	if err != nil {
		return st // details only fail to marshal on a programming error
	}
	return withDetails
}

// Reason returns the ErrorReason of a status error made by this package
// (or by any Landlord service), or ERROR_REASON_UNSPECIFIED.
func Reason(err error) metav1.ErrorReason {
	st, ok := status.FromError(err)
	if !ok {
		return metav1.ErrorReason_ERROR_REASON_UNSPECIFIED
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetDomain() == Domain {
			return metav1.ErrorReason(metav1.ErrorReason_value[info.GetReason()])
		}
	}
	return metav1.ErrorReason_ERROR_REASON_UNSPECIFIED
}
