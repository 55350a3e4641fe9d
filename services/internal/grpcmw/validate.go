package grpcmw

import (
	"context"
	"errors"

	"buf.build/go/protovalidate"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// Validate enforces the protovalidate rules written in the protos on every
// request message, unary or streamed, before a handler sees it.
func Validate(v protovalidate.Validator) (grpc.UnaryServerInterceptor, grpc.StreamServerInterceptor) {
	unary := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if err := validate(v, req); err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
	streaming := func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return handler(srv, &validatingStream{ServerStream: ss, v: v})
	}
	return unary, streaming
}

type validatingStream struct {
	grpc.ServerStream
	v protovalidate.Validator
}

func (s *validatingStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return validate(s.v, m)
}

// validate turns rule violations into an apierror.InvalidArgumentError that
// names each field; a rule that cannot be evaluated is an internal error.
func validate(v protovalidate.Validator, req any) error {
	msg, ok := req.(proto.Message)
	if !ok {
		return nil
	}
	err := v.Validate(msg)
	var verr *protovalidate.ValidationError
	if !errors.As(err, &verr) {
		return err
	}
	invalid := &apierror.InvalidArgumentError{}
	for _, violation := range verr.Violations {
		invalid.Violations = append(invalid.Violations, apierror.FieldViolation{
			Field:       protovalidate.FieldPathString(violation.Proto.GetField()),
			Description: violation.Proto.GetMessage(),
		})
	}
	return invalid
}
