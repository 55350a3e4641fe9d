package grpctest

import (
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// FieldViolation is the first field a status's BadRequest detail names,
// or "" if it has none.
func FieldViolation(err error) string {
	if br, ok := Detail[*errdetails.BadRequest](err); ok && len(br.GetFieldViolations()) > 0 {
		return br.GetFieldViolations()[0].GetField()
	}
	return ""
}

// Detail is the first detail of type T in err's status.
func Detail[T proto.Message](err error) (T, bool) {
	for _, d := range status.Convert(err).Details() {
		if v, ok := d.(T); ok {
			return v, true
		}
	}
	var zero T
	return zero, false
}
