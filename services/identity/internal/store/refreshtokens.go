package store

import (
	"bytes"

	"google.golang.org/protobuf/proto"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	"github.com/landlord-dev/landlord/services/internal/boltdb"
)

// RefreshTokens are the refresh tokens, keyed by the SHA-256 of their
// secret and grouped in families (one per login).
type RefreshTokens interface {
	// GetRefreshToken returns the token with that hash, or an error
	// wrapping ErrNotFound.
	GetRefreshToken(hash []byte) (*storagev1.RefreshTokenRecord, error)
	// PutRefreshToken creates or replaces the token with that hash.
	PutRefreshToken(hash []byte, rec *storagev1.RefreshTokenRecord) error
	// RevokeFamily deletes every refresh token of a family.
	RevokeFamily(family string) error
}

func (t boltTx) GetRefreshToken(hash []byte) (*storagev1.RefreshTokenRecord, error) {
	rec := &storagev1.RefreshTokenRecord{}
	return rec, t.get(refreshBucket, hash, rec, "refresh token")
}

func (t boltTx) PutRefreshToken(hash []byte, rec *storagev1.RefreshTokenRecord) error {
	return boltdb.Put(t.tx.Bucket(refreshBucket), hash, rec)
}

// RevokeFamily scans every token: revocations are rare (logout, reuse).
func (t boltTx) RevokeFamily(family string) error {
	b := t.tx.Bucket(refreshBucket)
	var doomed [][]byte
	err := b.ForEach(func(k, v []byte) error {
		rec := &storagev1.RefreshTokenRecord{}
		if err := proto.Unmarshal(v, rec); err != nil {
			return err
		}
		if rec.GetFamily() == family {
			doomed = append(doomed, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
