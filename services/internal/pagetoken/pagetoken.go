// Package pagetoken holds the AIP-158 page size rules and the opaque page
// tokens every Landlord list uses: a token names its list and the key the
// next page resumes after.
package pagetoken

import (
	"encoding/base64"
	"strings"

	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// DefaultSize and MaxSize bound page_size.
const (
	DefaultSize = 50
	MaxSize     = 1000
)

// Size is the page size to use for a requested page_size.
func Size(requested int32) int {
	switch {
	case requested <= 0:
		return DefaultSize
	case requested > MaxSize:
		return MaxSize
	}
	return int(requested)
}

// Encode makes an opaque page token for a list of kind resuming after key.
func Encode(kind, after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + "\x00" + after))
}

// Decode reverses Encode; a token of another list or a forged one is
// INVALID_ARGUMENT.
func Decode(token, kind string) (string, error) {
	if token == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err == nil {
		if k, after, ok := strings.Cut(string(raw), "\x00"); ok && k == kind {
			return after, nil
		}
	}
	return "", apierror.InvalidArgument("page_token", "not a page token of this list")
}
