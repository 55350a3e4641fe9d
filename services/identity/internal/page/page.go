// Package page holds identity's AIP-158 paging and AIP-154 etag helpers.
package page

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/landlord-dev/landlord/services/identity/internal/store"
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

// Etag is the etag of a record at revision.
func Etag(revision uint64) string { return strconv.FormatUint(revision, 10) }

// Fetch runs one page of an AIP-158 list: it decodes the token (which must
// belong to the list named kind), reads size records after its cursor in
// one read transaction, and returns them with the token of the next page.
func Fetch[R any](ctx context.Context, s store.Store, kind string, size int32, token string,
	list func(tx store.Tx, after string, limit int) ([]R, error), cursor func(R) string) ([]R, string, error) {
	after, err := Decode(token, kind)
	if err != nil {
		return nil, "", err
	}
	limit := Size(size)
	var recs []R
	if err := s.Read(ctx, func(tx store.Tx) (err error) {
		recs, err = list(tx, after, limit+1)
		return err
	}); err != nil {
		return nil, "", err
	}
	if len(recs) <= limit {
		return recs, "", nil
	}
	recs = recs[:limit]
	return recs, Encode(kind, cursor(recs[limit-1])), nil
}
