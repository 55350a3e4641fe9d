// Package keys keeps identity's signing keyring in the store, sealed with
// the KEK, and rotates it: by RPC, and whenever the active key is older than
// the rotation period.
package keys

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"fmt"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/kek"
	"github.com/landlord-dev/landlord/services/identity/internal/signing"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
)

// Manager holds the current keyring; readers never block.
type Manager struct {
	store store.Store
	kek   *kek.KEK
	// MaxTokenTTL is the longest life of a token the keys sign: retired keys
	// stay published that long.
	maxTokenTTL time.Duration
	current     atomic.Pointer[signing.Keyring]
}

// Load reads the keyring, creating the first key on a new store.
func Load(ctx context.Context, s store.Store, k *kek.KEK, maxTokenTTL time.Duration) (*Manager, error) {
	m := &Manager{store: s, kek: k, maxTokenTTL: maxTokenTTL}
	ring, err := m.read(ctx)
	if err != nil {
		return nil, err
	}
	if ring == nil || ring.Next() == nil {
		if ring, err = withNext(ring); err != nil {
			return nil, err
		}
		if err := m.save(ctx, ring); err != nil {
			return nil, err
		}
	}
	m.current.Store(ring)
	return m, nil
}

// withNext completes a keyring with a pre-published next key, making the
// active key too on a new store.
func withNext(ring *signing.Keyring) (*signing.Keyring, error) {
	next, err := signing.Generate(time.Now())
	if err != nil {
		return nil, err
	}
	if ring == nil {
		active, err := signing.Generate(time.Now())
		if err != nil {
			return nil, err
		}
		return signing.NewKeyring(active, next)
	}
	return signing.NewKeyring(ring.Active(), next, ring.Retired()...)
}

// Keyring is the current keyring.
func (m *Manager) Keyring() *signing.Keyring { return m.current.Load() }

// Rotate makes a new active key and persists the result.
func (m *Manager) Rotate(ctx context.Context, now time.Time) (*signing.Keyring, error) {
	next, err := signing.Generate(now)
	if err != nil {
		return nil, err
	}
	ring := m.Keyring().Rotate(next, now, m.maxTokenTTL)
	if err := m.save(ctx, ring); err != nil {
		return nil, err
	}
	m.current.Store(ring)
	return ring, nil
}

// RotateEvery rotates whenever the active key is older than period,
// checking every minute, until ctx ends.
func (m *Manager) RotateEvery(ctx context.Context, period time.Duration, onError func(error)) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		if time.Since(m.Keyring().Active().Created) >= period {
			if _, err := m.Rotate(ctx, time.Now()); err != nil {
				onError(err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// save replaces the stored keys with ring's in one transaction.
func (m *Manager) save(ctx context.Context, ring *signing.Keyring) error {
	var recs []*storagev1.SigningKeyRecord
	for _, k := range ring.All() {
		der, err := x509.MarshalPKCS8PrivateKey(k.Private)
		if err != nil {
			return err
		}
		sealed, err := m.kek.Seal(der, []byte(k.ID))
		if err != nil {
			return err
		}
		rec := &storagev1.SigningKeyRecord{Kid: k.ID, SealedPrivateKey: sealed, CreateTime: timestamppb.New(k.Created),
			Next: k == ring.Next()}
		if !k.Retired.IsZero() {
			rec.RetireTime = timestamppb.New(k.Retired)
		}
		recs = append(recs, rec)
	}
	return m.store.Write(ctx, func(tx store.Tx) error { return replace(tx, recs) })
}

// replace makes recs the stored keys.
func replace(tx store.SigningKeys, recs []*storagev1.SigningKeyRecord) error {
	old, err := tx.SigningKeys()
	if err != nil {
		return err
	}
	for _, o := range old {
		if err := tx.DeleteSigningKey(o.GetKid()); err != nil {
			return err
		}
	}
	for _, r := range recs {
		if err := tx.PutSigningKey(r); err != nil {
			return err
		}
	}
	return nil
}

// read returns the stored keyring, or nil if there are no keys yet.
func (m *Manager) read(ctx context.Context) (*signing.Keyring, error) {
	var recs []*storagev1.SigningKeyRecord
	if err := m.store.Read(ctx, func(tx store.Tx) (err error) {
		recs, err = tx.SigningKeys()
		return err
	}); err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, nil
	}
	var active, next *signing.Key
	var retired []*signing.Key
	for _, r := range recs {
		der, err := m.kek.Open(r.GetSealedPrivateKey(), []byte(r.GetKid()))
		if err != nil {
			return nil, fmt.Errorf("signing key %s: %w", r.GetKid(), err)
		}
		parsed, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("signing key %s: %w", r.GetKid(), err)
		}
		ecKey, ok := parsed.(*ecdsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("signing key %s: not an ECDSA key", r.GetKid())
		}
		k, err := signing.FromPrivate(ecKey, r.GetCreateTime().AsTime())
		if err != nil {
			return nil, err
		}
		switch {
		case r.GetRetireTime() != nil:
			k.Retired = r.GetRetireTime().AsTime()
			retired = append(retired, k)
		case r.GetNext():
			next = k
		default:
			active = k
		}
	}
	return signing.NewKeyring(active, next, retired...)
}
