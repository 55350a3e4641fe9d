package gateway

import (
	"container/list"
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

// planLimits are a tenant's limits at the gateway, from its plan: a token
// bucket (rps <= 0: no rate limit) and how many unary requests and server
// streams may be open at once (0: the gateway's default).
type planLimits struct {
	rps                    float64
	burst                  int
	maxInFlight, maxStream int
}

// rateFetcher asks quota for a tenant's limits.
type rateFetcher func(ctx context.Context, tenant string) (planLimits, error)

// quotaRates asks quota's GetTenantRateLimit (over the connection that
// presents the gateway's certificate).
func quotaRates(c quotav1.TenantQuotaServiceClient) rateFetcher {
	return func(ctx context.Context, tenant string) (planLimits, error) {
		resp, err := c.GetTenantRateLimit(ctx, &quotav1.GetTenantRateLimitRequest{Tenant: tenant})
		if err != nil {
			return planLimits{}, err
		}
		rl := resp.GetRateLimit()
		return planLimits{rps: rl.GetRequestsPerSecond(), burst: int(rl.GetBurst()),
			maxInFlight: int(rl.GetMaxInFlight()), maxStream: int(rl.GetMaxStreams())}, nil
	}
}

// tenantLimits are each tenant's limits (two buckets per tenant, see
// bucketOf): a token bucket at the tenant's rate and counts of the unary
// requests and server streams open (see concurrency.go). The limits are
// refreshed from quota every ttl; at most max buckets are remembered, least
// recently used forgotten first (a forgotten bucket starts again full), but
// never one with calls open: forgetting it would reset its counts.
type tenantLimits struct {
	fetch    rateFetcher
	bucket   func(r *http.Request, tenant string) string
	isStream func(r *http.Request) bool
	ttl      time.Duration
	max      int
	// defaults is the open calls allowed when the plan names none or quota
	// cannot answer: a tenant is never unbounded.
	defaults planLimits
	log      *slog.Logger
	now      func() time.Time
	group    singleflight.Group

	mu      sync.Mutex
	entries map[string]*list.Element // of *limitEntry
	order   *list.List               // most recently used first
}

type limitEntry struct {
	key     string
	limiter *rate.Limiter
	fetched time.Time
	// Guarded by tenantLimits.mu.
	maxInFlight, maxStream int
	inFlight, streams      int
}

func newTenantLimits(fetch rateFetcher, bucket func(*http.Request, string) string, ttl time.Duration, max int, log *slog.Logger) *tenantLimits {
	return &tenantLimits{fetch: fetch, bucket: bucket, ttl: ttl, max: max, log: log, now: time.Now,
		isStream: func(*http.Request) bool { return false },
		defaults: planLimits{maxInFlight: 100, maxStream: 20},
		entries:  map[string]*list.Element{}, order: list.New()}
}

// middleware refuses a request naming a tenant (/v1/tenants/{tenant}...)
// beyond that tenant's open calls or rate with 429, Retry-After and a
// google.rpc.Status body (RESOURCE_EXHAUSTED, RATE_LIMITED, RetryInfo).
func (l *tenantLimits) middleware(next *runtime.ServeMux) http.Handler { return l.wrap(next, next) }

// wrap is middleware with the errors written by mux's marshaler and error
// handler, and next serving what is let through.
func (l *tenantLimits) wrap(mux *runtime.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant, key := tenantOf(r.URL.Path), ""
		switch claims, _ := r.Context().Value(claimsKey{}).(*tokenverify.Claims); {
		case tenant != "":
			key = l.bucket(r, tenant)
		case claims != nil:
			// A call naming no tenant (/v1/tenants:watch, /v1/users) is
			// its caller's: bounded by the gateway's default concurrency,
			// so nobody holds unlimited watches open.
			key = callerBucket + claims.Subject
		default:
			next.ServeHTTP(w, r) // no token: the services refuse it
			return
		}
		e := l.entry(r.Context(), key, tenant)
		// The slot first: a call refused for it spends no token.
		release, err := l.acquire(e, l.isStream(r))
		if err != nil {
			refuse(mux, w, r, err)
			return
		}
		// Released however the call ends: answered, failed, canceled by
		// the client, or panicking (the deferred call runs while the
		// panic unwinds, before net/http recovers it).
		defer release()
		if wait := l.reserve(e); wait > 0 {
			refuse(mux, w, r, &apierror.RateLimitedError{RetryAfter: wait})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// callerBucket prefixes the buckets of calls that name no tenant; a
// tenant's keys never contain "/".
const callerBucket = "caller/"

// tenantOf is the tenant a path names, or "" (also for a name no tenant
// can have, which the services refuse: it must not become a cache key).
func tenantOf(path string) string {
	rest, ok := strings.CutPrefix(path, "/v1/tenants/")
	if !ok {
		return ""
	}
	tenant, _, _ := strings.Cut(rest, "/")
	tenant, _, _ = strings.Cut(tenant, ":") // custom methods: /v1/tenants/acme:hibernate
	if !tenantName.MatchString(tenant) {
		return ""
	}
	return tenant
}

// tenantName is the pattern of tenant names in the protos.
var tenantName = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$`)

// reserve takes a token from e's bucket: 0 if the request may go, or how
// long until it could.
func (l *tenantLimits) reserve(e *limitEntry) time.Duration {
	now := l.now()
	res := e.limiter.ReserveN(now, 1)
	if !res.OK() { // burst 0: never allowed; retry once the rate is looked up again
		return l.ttl
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d
	}
	return 0
}

// limiter is bucket key's token bucket (see entry).
func (l *tenantLimits) limiter(ctx context.Context, key, tenant string) *rate.Limiter {
	return l.entry(ctx, key, tenant).limiter
}

// entry is bucket key, at tenant's limits fetched from quota when unknown
// or older than ttl. If quota cannot answer, the tenant's rate is not
// limited until the next try (quota being down must not take the API down
// with it) and its open calls are bounded by the gateway's defaults. An
// unknown tenant is treated the same; the service answers NOT_FOUND.
func (l *tenantLimits) entry(ctx context.Context, key, tenant string) *limitEntry {
	l.mu.Lock()
	el, ok := l.entries[key]
	if ok {
		l.order.MoveToFront(el)
		e := el.Value.(*limitEntry)
		if l.now().Sub(e.fetched) < l.ttl {
			l.mu.Unlock()
			return e
		}
	}
	l.mu.Unlock()
	v, _, _ := l.group.Do(key, func() (any, error) {
		if tenant == "" { // a caller's bucket: the gateway's defaults, no rate
			return l.store(key, planLimits{}), nil
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		got, err := l.fetch(ctx, tenant)
		if err != nil {
			l.log.Debug("tenant rate limit unknown", "tenant", tenant, "err", err)
			got = planLimits{}
		}
		return l.store(key, got), nil
	})
	return v.(*limitEntry)
}

// store sets bucket key's limits, keeping the tokens it holds and the
// calls it has open.
func (l *tenantLimits) store(key string, p planLimits) *limitEntry {
	limit, burst := rate.Inf, 0
	if p.rps > 0 {
		limit, burst = rate.Limit(p.rps), p.burst
	}
	if p.maxInFlight <= 0 {
		p.maxInFlight = l.defaults.maxInFlight
	}
	if p.maxStream <= 0 {
		p.maxStream = l.defaults.maxStream
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if el, ok := l.entries[key]; ok {
		e := el.Value.(*limitEntry)
		e.limiter.SetLimitAt(now, limit)
		e.limiter.SetBurstAt(now, burst)
		e.fetched, e.maxInFlight, e.maxStream = now, p.maxInFlight, p.maxStream
		return e
	}
	// Forget the least recently used idle buckets; busy ones stay (their
	// number is bounded by the connections the server holds).
	for el := l.order.Back(); el != nil && l.order.Len() >= l.max; {
		prev := el.Prev()
		if e := el.Value.(*limitEntry); e.inFlight == 0 && e.streams == 0 {
			delete(l.entries, e.key)
			l.order.Remove(el)
		}
		el = prev
	}
	e := &limitEntry{key: key, limiter: rate.NewLimiter(limit, burst), fetched: now,
		maxInFlight: p.maxInFlight, maxStream: p.maxStream}
	l.entries[key] = l.order.PushFront(e)
	return e
}

// size is how many buckets are remembered.
func (l *tenantLimits) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.order.Len()
}
