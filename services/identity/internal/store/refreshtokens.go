package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/boltdb"
)

// RefreshTokens are the refresh tokens, keyed by the SHA-256 of their
// secret, and their families (one per login), keyed by id. Tokens are
// indexed by family, families by owner uid, and both by expiry so that
// expired ones are collected without a scan.
type RefreshTokens interface {
	// GetRefreshToken returns the token with that hash, or an error
	// wrapping ErrNotFound.
	GetRefreshToken(hash []byte) (*storagev1.RefreshTokenRecord, error)
	// PutRefreshToken creates or replaces the token with that hash, and
	// indexes it by family and expiry. A token's family never changes.
	PutRefreshToken(hash []byte, rec *storagev1.RefreshTokenRecord) error
	// GetRefreshFamily returns the family, revoked (a tombstone) or not,
	// or an error wrapping ErrNotFound.
	GetRefreshFamily(id string) (*storagev1.RefreshFamilyRecord, error)
	// PutRefreshFamily creates or replaces the family with rec's id, and
	// indexes it by owner uid and expiry. Neither ever changes.
	PutRefreshFamily(rec *storagev1.RefreshFamilyRecord) error
	// RevokeFamily deletes every token of a family and marks the family
	// revoked: a tombstone, kept until the family expires. A missing
	// family is no error.
	RevokeFamily(family string) error
	// RefreshFamiliesOf returns the ids of the families of the owner with
	// that uid, tombstones included, in id order.
	RefreshFamiliesOf(ownerUID string) ([]string, error)
	// CollectRefreshTokens deletes, oldest first, up to limit of the tokens
	// and families (tombstones included) that expired at or before now, a
	// family with all its tokens. It returns how many expired tokens and
	// families it found: fewer than limit when none are left.
	CollectRefreshTokens(now time.Time, limit int) (int, error)
}

// Kinds of entry in the expiry index.
const (
	expiresToken  byte = 't'
	expiresFamily byte = 'f'
)

// expiryKey is "expiry (unix nanoseconds, big endian) kind id": in time order.
func expiryKey(at time.Time, kind byte, id []byte) []byte {
	k := binary.BigEndian.AppendUint64(nil, uint64(max(at.UnixNano(), 0)))
	k = append(k, kind)
	return append(k, id...)
}

func (t boltTx) GetRefreshToken(hash []byte) (*storagev1.RefreshTokenRecord, error) {
	rec := &storagev1.RefreshTokenRecord{}
	return rec, t.get(refreshBucket, hash, rec, "refresh token")
}

func (t boltTx) PutRefreshToken(hash []byte, rec *storagev1.RefreshTokenRecord) error {
	expiry := t.tx.Bucket(refreshExpiry)
	old := &storagev1.RefreshTokenRecord{}
	found, err := boltdb.Get(t.tx.Bucket(refreshBucket), hash, old)
	if err != nil {
		return err
	}
	if found {
		if err := expiry.Delete(expiryKey(old.GetExpireTime().AsTime(), expiresToken, hash)); err != nil {
			return err
		}
	}
	if err := boltdb.Put(t.tx.Bucket(refreshBucket), hash, rec); err != nil {
		return err
	}
	if err := t.tx.Bucket(familyTokens).Put(key(rec.GetFamily(), string(hash)), nil); err != nil {
		return err
	}
	return expiry.Put(expiryKey(rec.GetExpireTime().AsTime(), expiresToken, hash), nil)
}

func (t boltTx) GetRefreshFamily(id string) (*storagev1.RefreshFamilyRecord, error) {
	rec := &storagev1.RefreshFamilyRecord{}
	return rec, t.get(refreshFamilies, []byte(id), rec, fmt.Sprintf("refresh token family %q", id))
}

func (t boltTx) PutRefreshFamily(rec *storagev1.RefreshFamilyRecord) error {
	id := rec.GetId()
	if err := boltdb.Put(t.tx.Bucket(refreshFamilies), []byte(id), rec); err != nil {
		return err
	}
	if err := t.tx.Bucket(familiesByOwner).Put(key(rec.GetOwnerUid(), id), nil); err != nil {
		return err
	}
	return t.tx.Bucket(refreshExpiry).Put(expiryKey(rec.GetExpireTime().AsTime(), expiresFamily, []byte(id)), nil)
}

func (t boltTx) RevokeFamily(family string) error {
	if err := t.deleteFamilyTokens(family); err != nil {
		return err
	}
	rec, err := t.GetRefreshFamily(family)
	if errors.Is(err, apierror.ErrNotFound) {
		return nil
	}
	if err != nil || rec.GetRevoked() {
		return err
	}
	rec.Revoked = true
	return boltdb.Put(t.tx.Bucket(refreshFamilies), []byte(family), rec)
}

// deleteFamilyTokens deletes every token of family, with its index entries.
func (t boltTx) deleteFamilyTokens(family string) error {
	hashes, err := t.suffixes(familyTokens, family)
	if err != nil {
		return err
	}
	for _, h := range hashes {
		if err := t.deleteRefreshToken([]byte(h)); err != nil {
			return err
		}
	}
	return nil
}

// deleteRefreshToken deletes a token and its index entries; a missing
// token is no error.
func (t boltTx) deleteRefreshToken(hash []byte) error {
	rec := &storagev1.RefreshTokenRecord{}
	found, err := boltdb.Get(t.tx.Bucket(refreshBucket), hash, rec)
	if err != nil || !found {
		return err
	}
	if err := t.tx.Bucket(refreshExpiry).Delete(expiryKey(rec.GetExpireTime().AsTime(), expiresToken, hash)); err != nil {
		return err
	}
	if err := t.tx.Bucket(familyTokens).Delete(key(rec.GetFamily(), string(hash))); err != nil {
		return err
	}
	return t.tx.Bucket(refreshBucket).Delete(hash)
}

// deleteFamily deletes a family, its tokens and its index entries; a
// missing family is no error.
func (t boltTx) deleteFamily(id string) error {
	if err := t.deleteFamilyTokens(id); err != nil {
		return err
	}
	rec := &storagev1.RefreshFamilyRecord{}
	found, err := boltdb.Get(t.tx.Bucket(refreshFamilies), []byte(id), rec)
	if err != nil || !found {
		return err
	}
	if err := t.tx.Bucket(refreshExpiry).Delete(expiryKey(rec.GetExpireTime().AsTime(), expiresFamily, []byte(id))); err != nil {
		return err
	}
	if err := t.tx.Bucket(familiesByOwner).Delete(key(rec.GetOwnerUid(), id)); err != nil {
		return err
	}
	return t.tx.Bucket(refreshFamilies).Delete([]byte(id))
}

func (t boltTx) RefreshFamiliesOf(ownerUID string) ([]string, error) {
	return t.suffixes(familiesByOwner, ownerUID)
}

func (t boltTx) CollectRefreshTokens(now time.Time, limit int) (int, error) {
	// Collect the keys first: bbolt cursors do not survive deletes of
	// other keys in their bucket.
	end := binary.BigEndian.AppendUint64(nil, uint64(max(now.UnixNano(), 0)))
	var expired [][]byte
	c := t.tx.Bucket(refreshExpiry).Cursor()
	for k, _ := c.First(); k != nil && len(expired) < limit && bytes.Compare(k[:min(8, len(k))], end) <= 0; k, _ = c.Next() {
		expired = append(expired, bytes.Clone(k))
	}
	for _, k := range expired {
		if len(k) < 9 {
			return 0, fmt.Errorf("refresh expiry index: malformed key %x", k)
		}
		var err error
		switch id := k[9:]; k[8] {
		case expiresToken:
			err = t.deleteRefreshToken(id)
		case expiresFamily:
			err = t.deleteFamily(string(id))
		default:
			err = fmt.Errorf("refresh expiry index: unknown entry %x", k)
		}
		if err != nil {
			return 0, err
		}
	}
	return len(expired), nil
}
