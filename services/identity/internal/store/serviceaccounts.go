package store

import (
	"fmt"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	"github.com/landlord-dev/landlord/services/internal/boltdb"
)

// ServiceAccounts are the non-human identities, keyed by name.
type ServiceAccounts interface {
	// GetServiceAccount returns the account, or an error wrapping
	// ErrNotFound.
	GetServiceAccount(name string) (*storagev1.ServiceAccountRecord, error)
	// PutServiceAccount creates or replaces the account named in rec.
	PutServiceAccount(rec *storagev1.ServiceAccountRecord) error
	// DeleteServiceAccount deletes the account record only (keys and
	// memberships are the caller's). A missing account is no error.
	DeleteServiceAccount(name string) error
	// ListServiceAccounts returns up to limit accounts whose names sort
	// after `after`, in name order.
	ListServiceAccounts(after string, limit int) ([]*storagev1.ServiceAccountRecord, error)
}

func (t boltTx) GetServiceAccount(name string) (*storagev1.ServiceAccountRecord, error) {
	rec := &storagev1.ServiceAccountRecord{}
	return rec, t.get(serviceAccounts, []byte(name), rec, fmt.Sprintf("service account %q", name))
}

func (t boltTx) PutServiceAccount(rec *storagev1.ServiceAccountRecord) error {
	return boltdb.Put(t.tx.Bucket(serviceAccounts), []byte(rec.GetServiceAccount().GetName()), rec)
}

func (t boltTx) DeleteServiceAccount(name string) error {
	return t.tx.Bucket(serviceAccounts).Delete([]byte(name))
}

func (t boltTx) ListServiceAccounts(after string, limit int) ([]*storagev1.ServiceAccountRecord, error) {
	return list(t, serviceAccounts, nil, []byte(after), limit,
		func() *storagev1.ServiceAccountRecord { return &storagev1.ServiceAccountRecord{} })
}
