package store

import (
	"fmt"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	"github.com/landlord-dev/landlord/services/internal/boltdb"
)

// ApiKeys are the API keys of users and service accounts, keyed by id and
// indexed by owner.
type ApiKeys interface {
	// GetApiKey returns the key, or an error wrapping ErrNotFound.
	GetApiKey(id string) (*storagev1.ApiKeyRecord, error)
	// PutApiKey creates or replaces the key with rec's id, and indexes it
	// by owner. A key's owner never changes.
	PutApiKey(rec *storagev1.ApiKeyRecord) error
	// DeleteApiKey deletes a key and its index entry; a missing key is an
	// error wrapping ErrNotFound.
	DeleteApiKey(id string) error
	// ApiKeysOf returns every key of owner, in id order.
	ApiKeysOf(owner string) ([]*storagev1.ApiKeyRecord, error)
}

func (t boltTx) GetApiKey(id string) (*storagev1.ApiKeyRecord, error) {
	rec := &storagev1.ApiKeyRecord{}
	return rec, t.get(apiKeysBucket, []byte(id), rec, fmt.Sprintf("API key %q", id))
}

func (t boltTx) PutApiKey(rec *storagev1.ApiKeyRecord) error {
	k := rec.GetApiKey()
	if err := boltdb.Put(t.tx.Bucket(apiKeysBucket), []byte(k.GetId()), rec); err != nil {
		return err
	}
	return t.tx.Bucket(apiKeysByOwner).Put(key(k.GetOwner(), k.GetId()), nil)
}

func (t boltTx) DeleteApiKey(id string) error {
	rec, err := t.GetApiKey(id)
	if err != nil {
		return err
	}
	if err := t.tx.Bucket(apiKeysByOwner).Delete(key(rec.GetApiKey().GetOwner(), id)); err != nil {
		return err
	}
	return t.tx.Bucket(apiKeysBucket).Delete([]byte(id))
}

func (t boltTx) ApiKeysOf(owner string) ([]*storagev1.ApiKeyRecord, error) {
	ids, err := t.suffixes(apiKeysByOwner, owner)
	if err != nil {
		return nil, err
	}
	var out []*storagev1.ApiKeyRecord
	for _, id := range ids {
		rec, err := t.GetApiKey(id)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}
