package errmap

import (
	"errors"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestLine(t *testing.T) {
	bad, _ := status.New(codes.InvalidArgument, "invalid request").WithDetails(&errdetails.BadRequest{
		FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "tenant.name", Description: "must match ^[a-z]"}}})
	named, _ := status.New(codes.InvalidArgument, "invalid argument: tenant.plan: required").WithDetails(&errdetails.BadRequest{
		FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "tenant.plan", Description: "required"}}})
	for _, c := range []struct {
		err  error
		want string
	}{
		{bad.Err(), "INVALID_ARGUMENT: invalid request; tenant.name: must match ^[a-z]"},
		{named.Err(), "INVALID_ARGUMENT: invalid argument: tenant.plan: required"},
		{status.Error(codes.NotFound, "tenant not found"), "NOT_FOUND: tenant not found"},
		{status.Error(codes.FailedPrecondition, "x"), "FAILED_PRECONDITION: x"},
		{status.Error(codes.Unauthenticated, "token expired"), "UNAUTHENTICATED: token expired (run `landlordctl login`)"},
		{errors.New("open x:\n  no such file"), "open x: no such file"},
	} {
		if got := Line(c.err); got != c.want {
			t.Errorf("Line(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
