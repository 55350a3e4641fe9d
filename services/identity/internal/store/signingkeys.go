package store

import (
	"math"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	"github.com/landlord-dev/landlord/services/internal/boltdb"
)

// SigningKeys are the token-signing keys, sealed, keyed by kid.
type SigningKeys interface {
	// SigningKeys returns every key, in kid order.
	SigningKeys() ([]*storagev1.SigningKeyRecord, error)
	// PutSigningKey creates or replaces the key with rec's kid.
	PutSigningKey(rec *storagev1.SigningKeyRecord) error
	// DeleteSigningKey deletes a key. A missing key is no error.
	DeleteSigningKey(kid string) error
}

func (t boltTx) SigningKeys() ([]*storagev1.SigningKeyRecord, error) {
	return list(t, signingKeysBucket, nil, nil, math.MaxInt,
		func() *storagev1.SigningKeyRecord { return &storagev1.SigningKeyRecord{} })
}

func (t boltTx) PutSigningKey(rec *storagev1.SigningKeyRecord) error {
	return boltdb.Put(t.tx.Bucket(signingKeysBucket), []byte(rec.GetKid()), rec)
}

func (t boltTx) DeleteSigningKey(kid string) error {
	return t.tx.Bucket(signingKeysBucket).Delete([]byte(kid))
}
