// Package errmap turns an error into the one line landlordctl prints:
// for a gRPC status its code and message, plus the fields a BadRequest
// names, so users see what to fix and never a stack trace.
package errmap

import (
	"fmt"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Line is err as one line of text.
func Line(err error) string {
	st, ok := status.FromError(err)
	if !ok {
		return oneLine(err.Error())
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", name(st.Code()), st.Message())
	for _, d := range st.Details() {
		br, ok := d.(*errdetails.BadRequest)
		if !ok {
			continue
		}
		for _, v := range br.GetFieldViolations() {
			line := v.GetField() + ": " + v.GetDescription()
			if !strings.Contains(st.Message(), line) { // Landlord's messages already name them
				fmt.Fprintf(&b, "; %s", line)
			}
		}
	}
	if hint := hints[st.Code()]; hint != "" {
		fmt.Fprintf(&b, " (%s)", hint)
	}
	return oneLine(b.String())
}

var hints = map[codes.Code]string{
	codes.Unauthenticated: "run `landlordctl login`",
	codes.Unavailable:     "is the service running? check the addresses in config.yaml",
}

// name is the canonical upper-case name of a code, as in the gRPC docs.
func name(c codes.Code) string {
	s := c.String()
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
