package grpcmw

import (
	"errors"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"

	"github.com/landlord-dev/landlord/services/internal/apierror"
)

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
