// Package page runs identity's AIP-158 lists over the store and makes its
// AIP-154 etags.
package page

import (
	"context"
	"strconv"

	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/pagetoken"
)

// Etag is the etag of a record at revision.
func Etag(revision uint64) string { return strconv.FormatUint(revision, 10) }

// Fetch runs one page of an AIP-158 list: it decodes the token (which must
// belong to the list named kind), reads size records after its cursor in
// one read transaction, and returns them with the token of the next page.
func Fetch[R any](ctx context.Context, s store.Store, kind string, size int32, token string,
	list func(tx store.Tx, after string, limit int) ([]R, error), cursor func(R) string) ([]R, string, error) {
	after, err := pagetoken.Decode(token, kind)
	if err != nil {
		return nil, "", err
	}
	limit := pagetoken.Size(size)
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
	return recs, pagetoken.Encode(kind, cursor(recs[limit-1])), nil
}
