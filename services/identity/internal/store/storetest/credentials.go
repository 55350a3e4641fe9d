package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
)

func apiKeysCase(t testing.TB, s store.Store) {
	key := func(id, owner string) *storagev1.ApiKeyRecord {
		return &storagev1.ApiKeyRecord{ApiKey: &identityv1.ApiKey{Id: id, Owner: owner}, SecretHash: []byte(id)}
	}
	keyID := func(r *storagev1.ApiKeyRecord) string { return r.GetApiKey().GetId() }
	write(t, s, func(tx store.Tx) error {
		for _, r := range []*storagev1.ApiKeyRecord{key("k3", "user:ann"), key("k1", "user:ann"), key("k2", "serviceaccount:ci"), key("k4", "user:ann")} {
			ok(t, tx.PutApiKey(r))
		}
		revoked := key("k3", "user:ann")
		revoked.ApiKey.Revoked = true
		ok(t, tx.PutApiKey(revoked)) // replaces, indexed once
		ok(t, tx.DeleteApiKey("k1"))
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		k3, err := tx.GetApiKey("k3")
		ok(t, err)
		same(t, "replaced k3", []any{k3.GetApiKey().GetRevoked(), string(k3.GetSecretHash())}, []any{true, "k3"})
		_, err = tx.GetApiKey("k1")
		notFound(t, err, "deleted key")
		ann, err := tx.ApiKeysOf("user:ann")
		ok(t, err)
		same(t, "ann's keys", names(ann, keyID), "[k3 k4]")
		ci, err := tx.ApiKeysOf("serviceaccount:ci")
		ok(t, err)
		same(t, "ci's keys", names(ci, keyID), "[k2]")
		return nil
	})
	err := s.Write(ctx, func(tx store.Tx) error { return tx.DeleteApiKey("k1") })
	notFound(t, err, "deleting a missing key")
}

// refreshCase: tokens are indexed by family, families by owner, both by
// expiry; revoking a family leaves a tombstone; collection takes what
// expired, a family with its tokens, and nothing twice.
func refreshCase(t testing.TB, s store.Store) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(h float64) *timestamppb.Timestamp {
		return timestamppb.New(t0.Add(time.Duration(h * float64(time.Hour))))
	}
	family := func(id, owner string, expire float64) *storagev1.RefreshFamilyRecord {
		return &storagev1.RefreshFamilyRecord{Id: id, Subject: "user:ann", OwnerUid: owner, AuthTime: at(0), ExpireTime: at(expire)}
	}
	token := func(fam string, expire float64) *storagev1.RefreshTokenRecord {
		return &storagev1.RefreshTokenRecord{Family: fam, Subject: "user:ann", ExpireTime: at(expire)}
	}
	write(t, s, func(tx store.Tx) error {
		for _, f := range []*storagev1.RefreshFamilyRecord{family("f1", "u1", 2), family("f2", "u1", 3), family("f3", "u2", 4)} {
			ok(t, tx.PutRefreshFamily(f))
		}
		for i, tok := range []*storagev1.RefreshTokenRecord{token("f1", 1), token("f1", 2), token("f2", 1), token("f2", 5)} {
			ok(t, tx.PutRefreshToken([]byte{byte(i)}, tok))
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error {
		rec, err := tx.GetRefreshToken([]byte{0})
		ok(t, err)
		same(t, "token 0", []any{rec.GetFamily(), rec.GetSubject(), rec.GetUsed()}, []any{"f1", "user:ann", false})
		rec.Used = true
		ok(t, tx.PutRefreshToken([]byte{0}, rec)) // replaces
		// Replacing with another expiry moves the index entry: token 2
		// now expires at 2h, not 1h.
		ok(t, tx.PutRefreshToken([]byte{2}, token("f2", 2)))
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		rec, err := tx.GetRefreshToken([]byte{0})
		ok(t, err)
		same(t, "used token 0", rec.GetUsed(), true)
		_, err = tx.GetRefreshToken([]byte{9})
		notFound(t, err, "unknown token")
		f1, err := tx.GetRefreshFamily("f1")
		ok(t, err)
		same(t, "family f1", []any{f1.GetSubject(), f1.GetOwnerUid(), f1.GetRevoked(), f1.GetExpireTime().AsTime()}, []any{"user:ann", "u1", false, t0.Add(2 * time.Hour)})
		_, err = tx.GetRefreshFamily("f9")
		notFound(t, err, "unknown family")
		u1, err := tx.RefreshFamiliesOf("u1")
		ok(t, err)
		same(t, "u1's families", u1, "[f1 f2]")
		return nil
	})
	write(t, s, func(tx store.Tx) error {
		ok(t, tx.RevokeFamily("f1"))
		ok(t, tx.RevokeFamily("f9")) // missing: no error
		return nil
	})
	gone := func(tx store.Tx, what string, want ...bool) {
		t.Helper()
		for i, wantGone := range want {
			_, err := tx.GetRefreshToken([]byte{byte(i)})
			if isGone := errors.Is(err, apierror.ErrNotFound); isGone != wantGone || (!isGone && err != nil) {
				t.Errorf("token %d %s: gone=%v, want %v (%v)", i, what, isGone, wantGone, err)
			}
		}
	}
	read(t, s, func(tx store.Tx) error {
		gone(tx, "after revoking f1", true, true, false, false)
		f1, err := tx.GetRefreshFamily("f1")
		ok(t, err)
		same(t, "f1 is a tombstone", f1.GetRevoked(), true)
		return nil
	})
	collect := func(h float64, limit int, want int) {
		t.Helper()
		write(t, s, func(tx store.Tx) error {
			n, err := tx.CollectRefreshTokens(at(h).AsTime(), limit)
			ok(t, err)
			same(t, fmt.Sprintf("collected at %vh (limit %d)", h, limit), n, want)
			return nil
		})
	}
	collect(1.5, 10, 0) // tokens 0 and 1 went with f1, token 2 was moved to 2h
	collect(2, 10, 2)   // the tombstone f1 and token 2
	read(t, s, func(tx store.Tx) error {
		gone(tx, "at 2h", true, true, true, false)
		_, err := tx.GetRefreshFamily("f1")
		notFound(t, err, "collected tombstone")
		u1, err := tx.RefreshFamiliesOf("u1")
		ok(t, err)
		same(t, "u1's families at 2h", u1, "[f2]")
		return nil
	})
	collect(10, 1, 1) // f2, with its token 3 that would expire at 5h
	collect(10, 1, 1) // f3
	collect(10, 1, 0)
	read(t, s, func(tx store.Tx) error {
		gone(tx, "at 10h", true, true, true, true)
		for _, owner := range []string{"u1", "u2"} {
			fams, err := tx.RefreshFamiliesOf(owner)
			ok(t, err)
			same(t, owner+"'s families at 10h", len(fams), 0)
		}
		return nil
	})
}

func signingKeysCase(t testing.TB, s store.Store) {
	kid := func(r *storagev1.SigningKeyRecord) string { return r.GetKid() }
	write(t, s, func(tx store.Tx) error {
		for i, k := range []string{"k2", "k1", "k3"} {
			ok(t, tx.PutSigningKey(&storagev1.SigningKeyRecord{Kid: k, SealedPrivateKey: []byte{byte(i)}}))
		}
		ok(t, tx.PutSigningKey(&storagev1.SigningKeyRecord{Kid: "k3", SealedPrivateKey: []byte{3}, Next: true})) // replaces
		return nil
	})
	write(t, s, func(tx store.Tx) error {
		ok(t, tx.DeleteSigningKey("k1"))
		ok(t, tx.DeleteSigningKey("k9")) // missing: no error
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		keys, err := tx.SigningKeys()
		ok(t, err)
		same(t, "keys", names(keys, kid), "[k2 k3]")
		if len(keys) == 2 {
			same(t, "replaced k3", []any{keys[1].GetSealedPrivateKey(), keys[1].GetNext()}, []any{[]byte{3}, true})
		}
		return nil
	})
}

func tenantTiersCase(t testing.TB, s store.Store) {
	write(t, s, func(tx store.Tx) error {
		ok(t, tx.PutTenantTier("acme", "free"))
		ok(t, tx.PutTenantTier("acme", "enterprise")) // replaces
		ok(t, tx.PutTenantTier("acme-2", "standard"))
		ok(t, tx.DeleteTenantTier("acme-2"))
		ok(t, tx.DeleteTenantTier("nobody")) // missing: no error
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		for tenant, want := range map[string]string{"acme": "enterprise", "acme-2": "", "nobody": ""} {
			got, err := tx.TenantTier(tenant)
			ok(t, err)
			same(t, "tier of "+tenant, got, want)
		}
		return nil
	})
}

func auditCase(t testing.TB, s store.Store) {
	id := func(ev *identityv1.AuditEvent) string { return ev.GetId() }
	write(t, s, func(tx store.Tx) error {
		for _, id := range []string{"0002", "0001", "0003"} {
			ok(t, tx.AppendAudit(&identityv1.AuditEvent{Id: id, Method: "m" + id}))
		}
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		for _, c := range []struct {
			before string
			limit  int
			want   string
		}{
			{"", 2, "[0003 0002]"},
			{"", 10, "[0003 0002 0001]"},
			{"0002", 10, "[0001]"},
			{"0003", 1, "[0002]"},
			{"0002a", 10, "[0002 0001]"},     // between ids
			{"9999", 10, "[0003 0002 0001]"}, // after the newest
			{"0001", 10, "[]"},
		} {
			evs, err := tx.ListAudit(c.before, c.limit)
			ok(t, err)
			same(t, "ListAudit("+c.before+")", names(evs, id), c.want)
		}
		evs, err := tx.ListAudit("0002", 1)
		ok(t, err)
		if len(evs) == 1 {
			same(t, "event 0001's method", evs[0].GetMethod(), "m0001")
		}
		n, err := tx.CountAudit()
		ok(t, err)
		same(t, "CountAudit", n, 3)
		return nil
	})
	// Retention deletes the oldest first, within its bounds.
	write(t, s, func(tx store.Tx) error {
		for _, c := range []struct {
			before string
			limit  int
			want   int
		}{{"0003", 1, 1}, {"0003", 10, 1}, {"0003", 10, 0}, {"9999", 0, 0}} {
			n, err := tx.DeleteAudit(c.before, c.limit)
			ok(t, err)
			same(t, fmt.Sprintf("DeleteAudit(%s, %d)", c.before, c.limit), n, c.want)
		}
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		evs, err := tx.ListAudit("", 10)
		ok(t, err)
		same(t, "events left", names(evs, id), "[0003]")
		n, err := tx.CountAudit()
		ok(t, err)
		same(t, "CountAudit after deleting", n, 1)
		return nil
	})
}

// rollbackCase: a transaction whose fn fails leaves nothing behind, in a
// record or in an index.
func rollbackCase(t testing.TB, s store.Store) {
	err := s.Write(ctx, func(tx store.Tx) error {
		ok(t, tx.PutUser(user("ghost")))
		ok(t, tx.PutMembership(membership("acme", "user:ghost", identityv1.Role_ROLE_OWNER)))
		ok(t, tx.AddGroupMember("devs", "ghost"))
		ok(t, tx.PutApiKey(&storagev1.ApiKeyRecord{ApiKey: &identityv1.ApiKey{Id: "k1", Owner: "user:ghost"}}))
		ok(t, tx.PutRefreshFamily(&storagev1.RefreshFamilyRecord{Id: "f1", OwnerUid: "ghost-uid", ExpireTime: timestamppb.Now()}))
		ok(t, tx.PutRefreshToken([]byte("h1"), &storagev1.RefreshTokenRecord{Family: "f1", ExpireTime: timestamppb.Now()}))
		return errors.New("validation failed later")
	})
	if err == nil {
		t.Fatal("Write returned nil for a failing transaction")
	}
	read(t, s, func(tx store.Tx) error {
		_, err := tx.GetUser("ghost")
		notFound(t, err, "half-written user")
		ms, err := tx.MembershipsOf("user:ghost")
		ok(t, err)
		groups, err := tx.GroupsOf("ghost")
		ok(t, err)
		keys, err := tx.ApiKeysOf("user:ghost")
		ok(t, err)
		families, err := tx.RefreshFamiliesOf("ghost-uid")
		ok(t, err)
		same(t, "index entries left", []int{len(ms), len(groups), len(keys), len(families)}, []int{0, 0, 0, 0})
		_, err = tx.GetRefreshToken([]byte("h1"))
		notFound(t, err, "half-written refresh token")
		return nil
	})
}

// ownWritesCase: reads see the writes made earlier in the same
// transaction; domain code relies on it (e.g. deleting a group reads its
// members after deleting its memberships).
func ownWritesCase(t testing.TB, s store.Store) {
	write(t, s, func(tx store.Tx) error {
		ok(t, tx.PutUser(user("ann")))
		ok(t, tx.PutMembership(membership("acme", "user:ann", identityv1.Role_ROLE_EDITOR)))
		ok(t, tx.AddGroupMember("devs", "ann"))
		n, err := tx.CountUsers()
		ok(t, err)
		ms, err := tx.MembershipsOf("user:ann")
		ok(t, err)
		members, err := tx.GroupMembers("devs")
		ok(t, err)
		same(t, "users, memberships and members seen", []int{n, len(ms), len(members)}, []int{1, 1, 1})
		ok(t, tx.DeleteUser("ann"))
		_, err = tx.GetUser("ann")
		notFound(t, err, "user deleted in this transaction")
		return nil
	})
}
