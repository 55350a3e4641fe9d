package gateway

import (
	"container/list"
	"context"
	"crypto/sha256"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"golang.org/x/sync/singleflight"
	"google.golang.org/grpc/metadata"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

// apiKeyPrefix starts every API key secret identity issues.
const apiKeyPrefix = "llk_"

// public says whether path is one of AuthService's calls that take no
// bearer token (as /v1/auth:login or /v1/auth/login): a stale token sent
// along with a login must not stop the login.
func public(path string) bool {
	rest, ok := strings.CutPrefix(path, "/v1/auth")
	if !ok || rest == "" {
		return false
	}
	return publicAuthCalls[rest[1:]]
}

var publicAuthCalls = map[string]bool{"login": true, "refresh": true, "logout": true, "exchangeApiKey": true,
	"device:start": true, "device:poll": true}

// exchangeFunc trades an API key for an access token and its expiry.
type exchangeFunc func(ctx context.Context, secret string) (string, time.Time, error)

// identityExchange asks identity's AuthService (over the connection whose
// client address identity trusts, so its sign-in limits count each client).
func identityExchange(c identityv1.AuthServiceClient) exchangeFunc {
	return func(ctx context.Context, secret string) (string, time.Time, error) {
		resp, err := c.ExchangeApiKey(ctx, &identityv1.ExchangeApiKeyRequest{Secret: secret})
		if err != nil {
			return "", time.Time{}, err
		}
		return resp.GetTokens().GetAccessToken(), resp.GetTokens().GetAccessTokenExpireTime().AsTime(), nil
	}
}

// authenticator checks every bearer token before a service is called: an
// access token is verified locally (a bad or expired one is answered 401
// here, costing no service a call), and an API key is exchanged at
// identity for an access token, which the services then receive instead.
// Exchanged tokens are cached by the key's hash, for at most keyTTL, so a
// revoked key stops working within keyTTL even while its last token lives.
type authenticator struct {
	verify   verifyFunc
	exchange exchangeFunc
	keyTTL   time.Duration
	max      int
	now      func() time.Time
	group    singleflight.Group

	mu      sync.Mutex
	entries map[[32]byte]*list.Element // of *keyToken
	order   *list.List                 // most recently used first
}

type keyToken struct {
	hash    [32]byte
	token   string
	expires time.Time
}

func newAuthenticator(verify verifyFunc, exchange exchangeFunc, keyTTL time.Duration, max int) *authenticator {
	return &authenticator{verify: verify, exchange: exchange, keyTTL: keyTTL, max: max, now: time.Now,
		entries: map[[32]byte]*list.Element{}, order: list.New()}
}

type claimsKey struct{}

// verifyCached is verify that first takes the claims middleware already
// checked for this request.
func (a *authenticator) verifyCached(ctx context.Context, raw string) (*tokenverify.Claims, error) {
	if c, ok := ctx.Value(claimsKey{}).(*tokenverify.Claims); ok {
		return c, nil
	}
	return a.verify(ctx, raw)
}

func (a *authenticator) middleware(mux *runtime.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		raw = strings.TrimSpace(raw)
		if !ok || raw == "" || public(r.URL.Path) {
			next.ServeHTTP(w, r) // the services refuse what needs a token
			return
		}
		if strings.HasPrefix(raw, apiKeyPrefix) {
			token, err := a.tokenForKey(forwardedFor(r), raw)
			if err != nil {
				refuse(mux, w, r, err)
				return
			}
			raw = token
			r.Header.Set("Authorization", "Bearer "+token)
		}
		claims, err := a.verify(r.Context(), raw)
		if err != nil {
			refuse(mux, w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), claimsKey{}, claims)))
	})
}

// forwardedFor is the request's context carrying the client's address as
// identity reads it from the gateway: its sign-in limits then count each
// client, as for a REST login.
func forwardedFor(r *http.Request) context.Context {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return metadata.AppendToOutgoingContext(r.Context(), "x-forwarded-for", host)
}

// tokenForKey is a cached access token for the API key, or a fresh one
// from identity (one exchange per key at a time).
func (a *authenticator) tokenForKey(ctx context.Context, secret string) (string, error) {
	hash := sha256.Sum256([]byte(secret))
	a.mu.Lock()
	if el, ok := a.entries[hash]; ok {
		e := el.Value.(*keyToken)
		if a.now().Before(e.expires) {
			a.order.MoveToFront(el)
			a.mu.Unlock()
			return e.token, nil
		}
	}
	a.mu.Unlock()
	v, err, _ := a.group.Do(string(hash[:]), func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		token, expiry, err := a.exchange(ctx, secret)
		if err != nil {
			return "", err
		}
		// A minute's margin: a token never reaches a service about to expire.
		expires := a.now().Add(a.keyTTL)
		if margin := expiry.Add(-time.Minute); margin.Before(expires) {
			expires = margin
		}
		a.remember(hash, token, expires)
		return token, nil
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

func (a *authenticator) remember(hash [32]byte, token string, expires time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if el, ok := a.entries[hash]; ok {
		a.order.Remove(el)
	}
	a.entries[hash] = a.order.PushFront(&keyToken{hash: hash, token: token, expires: expires})
	for a.order.Len() > a.max {
		last := a.order.Back()
		a.order.Remove(last)
		delete(a.entries, last.Value.(*keyToken).hash)
	}
}
