package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

// fakeIdentity verifies "good" and "minted-N" tokens, and exchanges the key
// "llk_valid" for "minted-N" (counting exchanges); everything else fails
// as identity would.
type fakeIdentity struct {
	exchanges atomic.Int32
}

func (f *fakeIdentity) verify(_ context.Context, raw string) (*tokenverify.Claims, error) {
	if raw == "good" || strings.HasPrefix(raw, "minted-") {
		return &tokenverify.Claims{Subject: raw}, nil
	}
	return nil, apierror.ErrUnauthenticated
}

func (f *fakeIdentity) exchange(_ context.Context, secret string) (string, time.Time, error) {
	if secret != "llk_valid" {
		return "", time.Time{}, status.Error(codes.Unauthenticated, "invalid API key")
	}
	n := f.exchanges.Add(1)
	return "minted-" + string(rune('0'+n)), time.Now().Add(15 * time.Minute), nil
}

// serve sends one request with the bearer through the authenticator and
// returns the response and the Authorization the next handler saw ("" if
// it was not called).
func serve(a *authenticator, path, bearer string) (*httptest.ResponseRecorder, string, *tokenverify.Claims) {
	var seen string
	var claims *tokenverify.Claims
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = "called:" + r.Header.Get("Authorization")
		claims, _ = r.Context().Value(claimsKey{}).(*tokenverify.Claims)
	})
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if bearer != "" {
		r.Header.Set("Authorization", "Bearer "+bearer)
	}
	w := httptest.NewRecorder()
	a.middleware(runtime.NewServeMux(), next).ServeHTTP(w, r)
	return w, seen, claims
}

func TestAccessTokensAreVerifiedBeforeAnyServiceIsCalled(t *testing.T) {
	f := &fakeIdentity{}
	a := newAuthenticator(f.verify, f.exchange, time.Minute, 10)

	w, seen, claims := serve(a, "/v1/tenants/acme", "good")
	if w.Code != http.StatusOK || seen != "called:Bearer good" || claims.Subject != "good" {
		t.Errorf("a valid token: %d, next saw %q, claims %v", w.Code, seen, claims)
	}
	w, seen, _ = serve(a, "/v1/tenants/acme", "forged.jwt.token")
	if w.Code != http.StatusUnauthorized || seen != "" || !strings.Contains(w.Body.String(), `"code":16`) {
		t.Errorf("a forged token: %d %s, next saw %q; want 401 with an UNAUTHENTICATED status and no call", w.Code, w.Body, seen)
	}
	// No token: the services refuse or serve (public reads) themselves.
	if _, seen, _ := serve(a, "/v1/tenants/acme", ""); seen != "called:" {
		t.Errorf("no token: next saw %q", seen)
	}
	// A stale token sent along with a login does not stop the login.
	for _, path := range []string{"/v1/auth:login", "/v1/auth/login", "/v1/auth/device:poll"} {
		if _, seen, _ := serve(a, path, "expired"); seen != "called:Bearer expired" {
			t.Errorf("%s with a stale token: next saw %q", path, seen)
		}
	}
	// Approving a device login needs a signed-in user: checked here.
	if w, seen, _ := serve(a, "/v1/auth/device:approve", "expired"); w.Code != http.StatusUnauthorized || seen != "" {
		t.Errorf("device approve with a bad token: %d, next saw %q", w.Code, seen)
	}
}

func TestAPIKeysAreExchangedOnceAndNeverForwarded(t *testing.T) {
	f := &fakeIdentity{}
	a := newAuthenticator(f.verify, f.exchange, time.Minute, 10)

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if w, seen, _ := serve(a, "/v1/tenants/acme", "llk_valid"); w.Code != http.StatusOK || seen != "called:Bearer minted-1" {
				t.Errorf("API key: %d, next saw %q; want the exchanged token", w.Code, seen)
			}
		}()
	}
	wg.Wait()
	if n := f.exchanges.Load(); n != 1 {
		t.Errorf("%d exchanges for one key, want 1", n)
	}

	// Past keyTTL the key is exchanged again: a revoked key stops working.
	a.now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	if _, seen, _ := serve(a, "/v1/tenants/acme", "llk_valid"); seen != "called:Bearer minted-2" {
		t.Errorf("after keyTTL: next saw %q, want a fresh exchange", seen)
	}

	// A bad key is identity's refusal, and is never cached.
	for range 2 {
		w, seen, _ := serve(a, "/v1/tenants/acme", "llk_guessed")
		if w.Code != http.StatusUnauthorized || seen != "" {
			t.Errorf("a bad key: %d %s, next saw %q", w.Code, w.Body, seen)
		}
	}
	if len(a.entries) != 1 {
		t.Errorf("%d cached keys, want only the valid one", len(a.entries))
	}
}

func TestTheKeyCacheIsBounded(t *testing.T) {
	a := newAuthenticator(nil, nil, time.Minute, 2)
	for i := range 5 {
		a.remember([32]byte{byte(i)}, "t", time.Now().Add(time.Minute))
	}
	if len(a.entries) != 2 || a.order.Len() != 2 {
		t.Errorf("%d entries, %d in order; want 2", len(a.entries), a.order.Len())
	}
	if _, ok := a.entries[[32]byte{4}]; !ok {
		t.Error("the most recent key was forgotten")
	}
}
