package store

import (
	"fmt"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	"github.com/landlord-dev/landlord/services/internal/boltdb"
)

// Memberships are the roles subjects hold on tenants, keyed by tenant and
// subject and indexed by subject.
type Memberships interface {
	// GetMembership returns subject's membership of tenant, or an error
	// wrapping ErrNotFound.
	GetMembership(tenant, subject string) (*storagev1.MembershipRecord, error)
	// PutMembership creates or replaces the membership of rec's subject in
	// rec's tenant, and indexes it by subject.
	PutMembership(rec *storagev1.MembershipRecord) error
	// DeleteMembership deletes a membership and its index entry. A missing
	// membership is no error.
	DeleteMembership(tenant, subject string) error
	// ListMemberships returns up to limit memberships of tenant whose
	// subjects sort after `after`, in subject order. Tenants whose names
	// start with tenant's are other tenants.
	ListMemberships(tenant, after string, limit int) ([]*storagev1.MembershipRecord, error)
	// MembershipsOf returns every membership of subject, in tenant order.
	MembershipsOf(subject string) ([]*storagev1.MembershipRecord, error)
}

func (t boltTx) GetMembership(tenant, subject string) (*storagev1.MembershipRecord, error) {
	rec := &storagev1.MembershipRecord{}
	return rec, t.get(membershipsBucket, key(tenant, subject), rec, fmt.Sprintf("membership of %s in %q", subject, tenant))
}

func (t boltTx) PutMembership(rec *storagev1.MembershipRecord) error {
	m := rec.GetMembership()
	if err := boltdb.Put(t.tx.Bucket(membershipsBucket), key(m.GetTenant(), m.GetSubject()), rec); err != nil {
		return err
	}
	return t.tx.Bucket(bySubjectBucket).Put(key(m.GetSubject(), m.GetTenant()), nil)
}

func (t boltTx) DeleteMembership(tenant, subject string) error {
	if err := t.tx.Bucket(membershipsBucket).Delete(key(tenant, subject)); err != nil {
		return err
	}
	return t.tx.Bucket(bySubjectBucket).Delete(key(subject, tenant))
}

func (t boltTx) ListMemberships(tenant, after string, limit int) ([]*storagev1.MembershipRecord, error) {
	var afterKey []byte
	if after != "" {
		afterKey = key(tenant, after)
	}
	return list(t, membershipsBucket, key(tenant, ""), afterKey, limit,
		func() *storagev1.MembershipRecord { return &storagev1.MembershipRecord{} })
}

func (t boltTx) MembershipsOf(subject string) ([]*storagev1.MembershipRecord, error) {
	tenants, err := t.suffixes(bySubjectBucket, subject)
	if err != nil {
		return nil, err
	}
	var out []*storagev1.MembershipRecord
	for _, tenant := range tenants {
		rec, err := t.GetMembership(tenant, subject)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}
