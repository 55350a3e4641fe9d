package store

import (
	"fmt"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	"github.com/landlord-dev/landlord/services/internal/boltdb"
)

// Users are the user records, keyed by name.
type Users interface {
	// GetUser returns the user, or an error wrapping ErrNotFound.
	GetUser(name string) (*storagev1.UserRecord, error)
	// PutUser creates or replaces the user named in rec.
	PutUser(rec *storagev1.UserRecord) error
	// DeleteUser deletes the user record only (memberships, group
	// memberships and keys are the caller's). A missing user is no error.
	DeleteUser(name string) error
	// ListUsers returns up to limit users whose names sort after `after`,
	// in name order.
	ListUsers(after string, limit int) ([]*storagev1.UserRecord, error)
	// CountUsers is the number of users, as seen by this transaction.
	CountUsers() (int, error)
}

func (t boltTx) GetUser(name string) (*storagev1.UserRecord, error) {
	rec := &storagev1.UserRecord{}
	return rec, t.get(usersBucket, []byte(name), rec, fmt.Sprintf("user %q", name))
}

func (t boltTx) PutUser(rec *storagev1.UserRecord) error {
	return boltdb.Put(t.tx.Bucket(usersBucket), []byte(rec.GetUser().GetName()), rec)
}

func (t boltTx) DeleteUser(name string) error {
	return t.tx.Bucket(usersBucket).Delete([]byte(name))
}

func (t boltTx) ListUsers(after string, limit int) ([]*storagev1.UserRecord, error) {
	return list(t, usersBucket, nil, []byte(after), limit, func() *storagev1.UserRecord { return &storagev1.UserRecord{} })
}

// CountUsers walks the keys: bucket statistics would miss the
// transaction's own writes. It runs once, at start-up.
func (t boltTx) CountUsers() (int, error) {
	n := 0
	c := t.tx.Bucket(usersBucket).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n, nil
}
