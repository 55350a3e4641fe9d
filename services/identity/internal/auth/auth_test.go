package auth

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/kek"
	"github.com/landlord-dev/landlord/services/identity/internal/keys"
	"github.com/landlord-dev/landlord/services/identity/internal/password"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/identity/internal/store/storetest"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

var ctx = context.Background()

const annPassword = "ann's long password"

// clock is the service's time, moved by the tests.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

// signIn is a service over a real store holding ann (uid ann-1), editor
// of acme, whose password hash is cheap to check, and the service account
// ci (uid ci-1). Refresh tokens live an hour, sessions a day.
func signIn(t *testing.T) (*Service, store.Store, *clock) {
	t.Helper()
	return signInLimited(t, Config{})
}

// cheap is a hash that costs 64 KiB and one pass.
var cheap = password.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 16}

// signInLimited is signIn with the rate limits in limits.
func signInLimited(t *testing.T, limits Config) (*Service, store.Store, *clock) {
	t.Helper()
	s := storetest.Bolt(t)
	k, err := kek.New(make([]byte, kek.Size))
	if err != nil {
		t.Fatal(err)
	}
	km, err := keys.Load(ctx, s, k, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := password.NewHasher(cheap, 1, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := hasher.Hash(ctx, annPassword)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Write(ctx, func(tx store.Tx) error {
		if err := tx.PutUser(&storagev1.UserRecord{User: &identityv1.User{Name: "ann"}, PasswordHash: hash, Revision: 1, Uid: "ann-1"}); err != nil {
			return err
		}
		if err := tx.PutServiceAccount(&storagev1.ServiceAccountRecord{ServiceAccount: &identityv1.ServiceAccount{Name: "ci"}, Uid: "ci-1"}); err != nil {
			return err
		}
		m := &identityv1.Membership{Tenant: "acme", Subject: "user:ann", Role: identityv1.Role_ROLE_EDITOR}
		return tx.PutMembership(&storagev1.MembershipRecord{Membership: m, Revision: 1, SubjectUid: "ann-1"})
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := New(Config{Issuer: "https://identity.test", Audience: "landlord", AccessTTL: time.Minute, RefreshTTL: time.Hour,
		Hasher: hasher, PerAddress: limits.PerAddress, PerAccount: limits.PerAccount}, s, km)
	clk := &clock{time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	svc.now = clk.now
	return svc, s, clk
}

func unauthenticated(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, apierror.ErrUnauthenticated) {
		t.Errorf("%s: %v, want unauthenticated", what, err)
	}
}

// lockedFor returns how long a login was told to wait (0: not locked).
func lockedFor(err error) time.Duration {
	var rl *apierror.RateLimitedError
	if errors.As(err, &rl) {
		return rl.RetryAfter
	}
	return 0
}

func TestRepeatedFailuresLockTheNameOut(t *testing.T) {
	svc, _, clk := signIn(t)
	for i := range 6 { // five free failures; the sixth locks
		_, err := svc.Login(ctx, "ann", "wrong password", "")
		unauthenticated(t, err, "wrong password")
		if lockedFor(err) > 0 {
			t.Fatalf("locked after %d failures", i+1)
		}
	}
	_, err := svc.Login(ctx, "ann", annPassword, "")
	if lockedFor(err) != 30*time.Second {
		t.Fatalf("right password while locked: %v, want a 30s lock", err)
	}
	clk.advance(29 * time.Second)
	if _, err := svc.Login(ctx, "ann", annPassword, ""); lockedFor(err) != time.Second {
		t.Errorf("a second before the lock ends: %v", err)
	}
	clk.advance(2 * time.Second)
	// One more failure after the lock doubles it.
	_, err = svc.Login(ctx, "ann", "wrong password", "")
	unauthenticated(t, err, "wrong password after the lock")
	if _, err := svc.Login(ctx, "ann", annPassword, ""); lockedFor(err) != time.Minute {
		t.Errorf("after a seventh failure: %v, want a 60s lock", err)
	}
	clk.advance(time.Minute)
	if _, err := svc.Login(ctx, "ann", annPassword, ""); err != nil {
		t.Fatalf("right password after the lock: %v", err)
	}
	// Success forgets the failures: five are free again.
	for range 5 {
		_, _ = svc.Login(ctx, "ann", "wrong password", "")
	}
	if _, err := svc.Login(ctx, "ann", annPassword, ""); err != nil {
		t.Errorf("after a success and five failures: %v", err)
	}
}

// TestLockoutCountsEveryName: names that do not exist lock the same way,
// so the lock reveals nothing; other names are not affected.
func TestLockoutCountsEveryName(t *testing.T) {
	l, now := newLockout(), time.Now()
	for range 6 {
		l.attempt("nobody", now)
	}
	if l.wait("nobody", now) != 30*time.Second || l.wait("ann", now) != 0 {
		t.Errorf("waits: nobody %v, ann %v", l.wait("nobody", now), l.wait("ann", now))
	}
	if w := l.attempt("nobody", now); w != 30*time.Second || l.entries["nobody"].count != 6 {
		t.Errorf("attempt while locked: wait %v, count %d; want 30s and no count", w, l.entries["nobody"].count)
	}
	for range 20 {
		now = now.Add(l.wait("nobody", now))
		l.attempt("nobody", now)
	}
	if w := l.wait("nobody", now); w != l.max {
		t.Errorf("lock after many failures = %v, want the %v cap", w, l.max)
	}
}

func TestRefreshRotatesAndReuseRevokesTheFamily(t *testing.T) {
	svc, _, _ := signIn(t)
	first, err := svc.Login(ctx, "ann", annPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	second, err := svc.Refresh(ctx, first.GetRefreshToken())
	if err != nil {
		t.Fatal(err)
	}
	if second.GetRefreshToken() == "" || second.GetRefreshToken() == first.GetRefreshToken() || second.GetAccessToken() == "" {
		t.Fatalf("refresh did not rotate: %v", second)
	}
	// Replaying the first token is theft or a bug: the whole family goes.
	_, err = svc.Refresh(ctx, first.GetRefreshToken())
	unauthenticated(t, err, "reused refresh token")
	_, err = svc.Refresh(ctx, second.GetRefreshToken())
	unauthenticated(t, err, "the reused token's successor")

	// Other logins are other families.
	other, err := svc.Login(ctx, "ann", annPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Refresh(ctx, other.GetRefreshToken()); err != nil {
		t.Errorf("a token of another login: %v", err)
	}
	_, err = svc.Refresh(ctx, "never-issued")
	unauthenticated(t, err, "unknown refresh token")
}

func TestRefreshTokensEndWithLogoutExpiryAndDisabling(t *testing.T) {
	svc, s, clk := signIn(t)
	login := func() string {
		t.Helper()
		tokens, err := svc.Login(ctx, "ann", annPassword, "")
		if err != nil {
			t.Fatal(err)
		}
		return tokens.GetRefreshToken()
	}
	loggedOut := login()
	if err := svc.Logout(ctx, loggedOut); err != nil {
		t.Fatal(err)
	}
	_, err := svc.Refresh(ctx, loggedOut)
	unauthenticated(t, err, "refresh after logout")
	if err := svc.Logout(ctx, "never-issued"); err != nil {
		t.Errorf("logout with an unknown token: %v", err)
	}

	expiring := login()
	clk.advance(time.Hour + time.Second)
	_, err = svc.Refresh(ctx, expiring)
	unauthenticated(t, err, "expired refresh token")

	disabled := login()
	err = s.Write(ctx, func(tx store.Tx) error {
		rec, err := tx.GetUser("ann")
		if err != nil {
			return err
		}
		rec.User.Disabled = true
		return tx.PutUser(rec)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Refresh(ctx, disabled)
	unauthenticated(t, err, "refresh of a disabled user")
}

// TestTokensCarryTheTenantRoles: the access token names the user and its
// role groups; scoping to a tenant one is not in reveals nothing.
func TestTokensCarryTheTenantRoles(t *testing.T) {
	svc, _, clk := signIn(t)
	tokens, err := svc.Login(ctx, "ann", annPassword, "acme")
	if err != nil {
		t.Fatal(err)
	}
	v := &tokenverify.Verifier{Issuer: "https://identity.test", Audience: "landlord", Keys: svc.keys.Keyring(), Now: clk.now}
	claims, err := v.Verify(ctx, tokens.GetAccessToken())
	if err != nil {
		t.Fatal(err)
	}
	if claims.Subject != "user:ann" || claims.Username != "ann" || claims.Tenant != "acme" ||
		!slices.Contains(claims.Groups, "landlord:tenant:acme:editor") {
		t.Errorf("claims = %+v", claims)
	}
	_, err = svc.Login(ctx, "ann", annPassword, "globex")
	if !errors.Is(err, apierror.ErrNotFound) {
		t.Errorf("login scoped to a tenant ann is not in: %v, want not found", err)
	}
	exchanged, err := svc.Exchange(ctx, "serviceaccount:ci", "ci-1", false, "")
	if err != nil || exchanged.GetRefreshToken() != "" {
		t.Fatalf("exchange = %v, %v; want an access token only", exchanged, err)
	}
	if claims, err := v.Verify(ctx, exchanged.GetAccessToken()); err != nil || claims.Username != "serviceaccount:ci" {
		t.Errorf("exchanged token for a service account: %+v, %v", claims, err)
	}
}
