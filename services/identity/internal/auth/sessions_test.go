package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

// login signs ann in or stops the test.
func login(t *testing.T, svc *Service) *identityv1.TokenSet {
	t.Helper()
	tokens, err := svc.Login(ctx, "ann", annPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	return tokens
}

// refresh redeems a refresh token or stops the test.
func refresh(t *testing.T, svc *Service, token string) *identityv1.TokenSet {
	t.Helper()
	tokens, err := svc.Refresh(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	return tokens
}

func claimsOf(t *testing.T, svc *Service, clk *clock, token string) *tokenverify.Claims {
	t.Helper()
	v := &tokenverify.Verifier{Issuer: "https://identity.test", Audience: "landlord", Keys: svc.keys.Keyring(), Now: clk.now, CacheSize: -1}
	claims, err := v.Verify(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	return claims
}

// TestTokensCarryTheLoginTheyDescendFrom: auth_time is the password
// login's, kept (not renewed) by refreshes; sid names the session; the
// uid is the user's record. Tokens from API keys have neither login nor
// session.
func TestTokensCarryTheLoginTheyDescendFrom(t *testing.T) {
	svc, _, clk := signIn(t)
	loggedIn := clk.now()
	first := login(t, svc)
	c := claimsOf(t, svc, clk, first.GetAccessToken())
	if !c.AuthTime.Equal(loggedIn) || c.SessionID == "" || c.UID != "ann-1" {
		t.Fatalf("login claims: auth_time %v sid %q uid %q", c.AuthTime, c.SessionID, c.UID)
	}
	clk.advance(10 * time.Minute)
	second := refresh(t, svc, first.GetRefreshToken())
	r := claimsOf(t, svc, clk, second.GetAccessToken())
	if !r.AuthTime.Equal(loggedIn) || r.SessionID != c.SessionID || !r.IssuedAt.Equal(clk.now()) {
		t.Errorf("refreshed claims: auth_time %v (want the login's %v), sid %q (want %q), iat %v",
			r.AuthTime, loggedIn, r.SessionID, c.SessionID, r.IssuedAt)
	}
	exchanged, err := svc.Exchange(ctx, "user:ann", "ann-1", false, "")
	if err != nil {
		t.Fatal(err)
	}
	if e := claimsOf(t, svc, clk, exchanged.GetAccessToken()); !e.AuthTime.IsZero() || e.SessionID != "" || e.UID != "ann-1" {
		t.Errorf("API key token claims: auth_time %v sid %q uid %q", e.AuthTime, e.SessionID, e.UID)
	}
	_, err = svc.Exchange(ctx, "user:ann", "ann-0", false, "")
	unauthenticated(t, err, "exchange for an earlier record of ann")
}

// TestSessionsEndAtAFixedTime: refreshing keeps a session going only
// until the login's absolute end, and no token outlives it.
func TestSessionsEndAtAFixedTime(t *testing.T) {
	svc, _, clk := signIn(t)
	svc.cfg.MaxSession = 150 * time.Minute // refresh tokens live 60m
	end := clk.now().Add(150 * time.Minute)
	tokens := login(t, svc)
	for _, step := range []time.Duration{50 * time.Minute, 50 * time.Minute, 49 * time.Minute} {
		clk.advance(step)
		tokens = refresh(t, svc, tokens.GetRefreshToken())
	}
	if got := tokens.GetRefreshTokenExpireTime().AsTime(); !got.Equal(end) {
		t.Errorf("refresh token at 149m expires %v, want the session's end %v", got, end)
	}
	if got := tokens.GetAccessTokenExpireTime().AsTime(); !got.Equal(end) {
		t.Errorf("access token at 149m expires %v, want the session's end %v", got, end)
	}
	clk.advance(2 * time.Minute)
	_, err := svc.Refresh(ctx, tokens.GetRefreshToken())
	unauthenticated(t, err, "refresh past the session's end")
}

// TestRefreshNeedsTheSameUserRecord: a session outlives neither its user
// nor a re-creation of the name, even if its tokens were left behind.
func TestRefreshNeedsTheSameUserRecord(t *testing.T) {
	svc, s, clk := signIn(t)
	tokens := login(t, svc)
	err := s.Write(ctx, func(tx store.Tx) error {
		rec, err := tx.GetUser("ann")
		if err != nil {
			return err
		}
		rec.Uid = "ann-2" // deleted and created again, behind the store's back
		return tx.PutUser(rec)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Refresh(ctx, tokens.GetRefreshToken())
	unauthenticated(t, err, "refresh of the earlier ann's session")
	if fam := family(t, s, claimsOf(t, svc, clk, tokens.GetAccessToken()).SessionID); !fam.GetRevoked() {
		t.Error("the orphaned session was not revoked")
	}
}

func family(t *testing.T, s store.Store, id string) *storagev1.RefreshFamilyRecord {
	t.Helper()
	var fam *storagev1.RefreshFamilyRecord
	err := s.Read(ctx, func(tx store.Tx) (err error) {
		fam, err = tx.GetRefreshFamily(id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return fam
}

func tokensOf(t *testing.T, s store.Store, uid string) int {
	t.Helper()
	n := 0
	err := s.Read(ctx, func(tx store.Tx) error {
		families, err := tx.RefreshFamiliesOf(uid)
		for _, f := range families {
			rec, err := tx.GetRefreshFamily(f)
			if err != nil {
				return err
			}
			if !rec.GetRevoked() {
				n++
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRevokedSessionsStayRevoked plays the races between a refresh (or a
// login) and what ends sessions, step by step: the revocation commits
// after the token was redeemed (or the password checked) and before the
// new refresh token is stored. The tombstone, the uid and the password
// hash, checked in the transaction that stores the token, keep the
// session ended.
func TestRevokedSessionsStayRevoked(t *testing.T) {
	svc, s, clk := signIn(t)
	// redeemHalf is a refresh halfway: its token redeemed, nothing issued.
	redeemHalf := func(token string) redeemed {
		t.Helper()
		var r redeemed
		err := s.Write(ctx, func(tx store.Tx) (err error) {
			r, err = redeem(tx, hashToken(token), clk.now())
			return err
		})
		if err != nil || r.refusal != nil {
			t.Fatalf("redeem: %v, %v", err, r.refusal)
		}
		return r
	}
	finish := func(r redeemed) error {
		_, err := svc.issue(ctx, userPrincipal(r.user), "", &session{family: r.family})
		return err
	}

	// Logout between the two halves of a refresh.
	tokens := login(t, svc)
	r := redeemHalf(tokens.GetRefreshToken())
	if err := svc.Logout(ctx, tokens.GetRefreshToken()); err != nil {
		t.Fatal(err)
	}
	unauthenticated(t, finish(r), "refresh finishing after a logout")
	if fam := family(t, s, r.family.GetId()); !fam.GetRevoked() {
		t.Error("the logged-out session is live again")
	}

	// Reuse detection between the two halves.
	tokens = login(t, svc)
	r = redeemHalf(tokens.GetRefreshToken())
	_, err := svc.Refresh(ctx, tokens.GetRefreshToken()) // the thief's replay
	unauthenticated(t, err, "replay")
	unauthenticated(t, finish(r), "refresh finishing after reuse was detected")

	// The user re-created between the two halves.
	tokens = login(t, svc)
	r = redeemHalf(tokens.GetRefreshToken())
	err = s.Write(ctx, func(tx store.Tx) error {
		rec, err := tx.GetUser("ann")
		if err != nil {
			return err
		}
		rec.Uid = "ann-2"
		return tx.PutUser(rec)
	})
	if err != nil {
		t.Fatal(err)
	}
	unauthenticated(t, finish(r), "refresh finishing after the user was re-created")
	if n := tokensOf(t, s, "ann-2"); n != 0 {
		t.Errorf("the new ann has %d sessions", n)
	}

	// A password change between a login's password check and its session.
	svc, s, clk = signIn(t)
	var before *storagev1.UserRecord
	err = s.Write(ctx, func(tx store.Tx) (err error) {
		if before, err = tx.GetUser("ann"); err != nil {
			return err
		}
		changed := &storagev1.UserRecord{User: before.GetUser(), Uid: before.GetUid(), PasswordHash: "$argon2id$changed", Revision: 2}
		return tx.PutUser(changed)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.issue(ctx, userPrincipal(before), "", svc.login(before, clk.now()))
	unauthenticated(t, err, "login finishing after a password change")
	if n := tokensOf(t, s, "ann-1"); n != 0 {
		t.Errorf("a login checked against the old password left %d sessions", n)
	}
}

// TestCollectionDeletesWhatExpired runs the collector on a real store
// with a moving clock: used and expired tokens go when they expire, ended
// sessions (tombstones) when their login's lifetime is over, live tokens
// stay.
func TestCollectionDeletesWhatExpired(t *testing.T) {
	svc, s, clk := signIn(t)
	collect := func(want int, when string) {
		t.Helper()
		n, err := svc.Collect(ctx)
		if err != nil || n != want {
			t.Errorf("collection %s: %d, %v; want %d", when, n, err, want)
		}
	}
	a1 := login(t, svc)
	b := login(t, svc)
	if err := svc.Logout(ctx, b.GetRefreshToken()); err != nil {
		t.Fatal(err)
	}
	clk.advance(30 * time.Minute)
	a2 := refresh(t, svc, a1.GetRefreshToken()) // a1 is used now, kept to detect reuse
	sessionA := claimsOf(t, svc, clk, a2.GetAccessToken()).SessionID
	collect(0, "before anything expired")
	clk.advance(31 * time.Minute)
	collect(1, "after the used token a1 expired")
	if fam := family(t, s, sessionA); fam.GetRevoked() {
		t.Fatal("collecting a used token ended its session")
	}
	a3 := refresh(t, svc, a2.GetRefreshToken())
	clk.advance(24 * time.Hour)
	// Sessions a and b (a tombstone) ended; a2 (used) and a3 expired.
	// CollectEvery collects once at start, then stops with its context.
	stopped, cancel := context.WithCancel(ctx)
	cancel()
	svc.CollectEvery(stopped, time.Hour, func(err error) { t.Error(err) })
	collect(0, "after CollectEvery")
	err := s.Read(ctx, func(tx store.Tx) error {
		families, err := tx.RefreshFamiliesOf("ann-1")
		if err != nil {
			return err
		}
		for _, tok := range []*identityv1.TokenSet{a1, a2, a3, b} {
			if _, err := tx.GetRefreshToken(hashToken(tok.GetRefreshToken())); !errors.Is(err, apierror.ErrNotFound) {
				t.Errorf("refresh token left after its session ended: %v", err)
			}
		}
		if len(families) != 0 {
			t.Errorf("sessions left: %v", families)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
