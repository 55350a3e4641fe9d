// Package requestid gives every call an id that ties together its log lines,
// its trace and the error a client reports.
package requestid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// Header is the gRPC metadata key (and HTTP header) that carries the id.
const Header = "x-request-id"

// maxLen bounds ids supplied by clients so a log line cannot be flooded.
const maxLen = 128

type key struct{}

// New returns a fresh random id.
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Sanitize returns id if a client may supply it (1 to 128 printable ASCII
// characters without spaces), or "" otherwise.
func Sanitize(id string) string {
	if id == "" || len(id) > maxLen {
		return ""
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return ""
		}
	}
	return id
}

// With returns ctx carrying id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// From returns the id carried by ctx, or "".
func From(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}
