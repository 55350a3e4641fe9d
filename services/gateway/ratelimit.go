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
)

// rateFetcher asks quota for a tenant's rate: requests per second and
// burst; rps <= 0 means the tenant is not limited.
type rateFetcher func(ctx context.Context, tenant string) (rps float64, burst int, err error)

// quotaRates asks quota's GetTenantRateLimit (over the connection that
// presents the gateway's certificate).
func quotaRates(c quotav1.TenantQuotaServiceClient) rateFetcher {
	return func(ctx context.Context, tenant string) (float64, int, error) {
		resp, err := c.GetTenantRateLimit(ctx, &quotav1.GetTenantRateLimitRequest{Tenant: tenant})
		if err != nil {
			return 0, 0, err
		}
		return resp.GetRateLimit().GetRequestsPerSecond(), int(resp.GetRateLimit().GetBurst()), nil
	}
}

// tenantLimits are token buckets at each tenant's rate (two per tenant,
// see bucketOf), the rate refreshed from quota every ttl, at most max
// buckets remembered (least recently used forgotten first: a forgotten
// bucket starts again full).
type tenantLimits struct {
	fetch  rateFetcher
	bucket func(r *http.Request, tenant string) string
	ttl    time.Duration
	max    int
	log    *slog.Logger
	now    func() time.Time
	group  singleflight.Group

	mu      sync.Mutex
	entries map[string]*list.Element // of *limitEntry
	order   *list.List               // most recently used first
}

type limitEntry struct {
	key     string
	limiter *rate.Limiter
	fetched time.Time
}

func newTenantLimits(fetch rateFetcher, bucket func(*http.Request, string) string, ttl time.Duration, max int, log *slog.Logger) *tenantLimits {
	return &tenantLimits{fetch: fetch, bucket: bucket, ttl: ttl, max: max, log: log, now: time.Now,
		entries: map[string]*list.Element{}, order: list.New()}
}

// middleware refuses a request naming a tenant (/v1/tenants/{tenant}...)
// beyond that tenant's rate with 429, Retry-After and a google.rpc.Status
// body (RESOURCE_EXHAUSTED, RATE_LIMITED, RetryInfo).
func (l *tenantLimits) middleware(next *runtime.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant := tenantOf(r.URL.Path)
		if tenant == "" {
			next.ServeHTTP(w, r)
			return
		}
		if wait := l.reserve(r.Context(), l.bucket(r, tenant), tenant); wait > 0 {
			st, _ := apierror.Status(&apierror.RateLimitedError{RetryAfter: wait})
			_, out := runtime.MarshalerForRequest(next, r)
			runtime.HTTPError(r.Context(), next, out, w, r, st.Err())
			return
		}
		next.ServeHTTP(w, r)
	})
}

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

// reserve takes a token from bucket key (at tenant's rate): 0 if the
// request may go, or how long until it could.
func (l *tenantLimits) reserve(ctx context.Context, key, tenant string) time.Duration {
	lim := l.limiter(ctx, key, tenant)
	now := l.now()
	res := lim.ReserveN(now, 1)
	if !res.OK() { // burst 0: never allowed; retry once the rate is looked up again
		return l.ttl
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d
	}
	return 0
}

// limiter is bucket key, at tenant's rate fetched from quota when unknown
// or older than ttl. If quota cannot answer, the tenant is not limited until
// the next try: quota being down must not take the API down with it. An
// unknown tenant is not limited either; the service answers NOT_FOUND.
func (l *tenantLimits) limiter(ctx context.Context, key, tenant string) *rate.Limiter {
	l.mu.Lock()
	el, ok := l.entries[key]
	if ok {
		l.order.MoveToFront(el)
		e := el.Value.(*limitEntry)
		if l.now().Sub(e.fetched) < l.ttl {
			l.mu.Unlock()
			return e.limiter
		}
	}
	l.mu.Unlock()
	v, _, _ := l.group.Do(key, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		limit, burst := rate.Inf, 0
		rps, b, err := l.fetch(ctx, tenant)
		switch {
		case err != nil:
			l.log.Debug("tenant rate limit unknown", "tenant", tenant, "err", err)
		case rps > 0:
			limit, burst = rate.Limit(rps), b
		}
		return l.store(key, limit, burst), nil
	})
	return v.(*rate.Limiter)
}

// store sets bucket key's rate, keeping the tokens it holds.
func (l *tenantLimits) store(key string, limit rate.Limit, burst int) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if el, ok := l.entries[key]; ok {
		e := el.Value.(*limitEntry)
		e.limiter.SetLimitAt(now, limit)
		e.limiter.SetBurstAt(now, burst)
		e.fetched = now
		return e.limiter
	}
	for l.order.Len() >= l.max {
		oldest := l.order.Back()
		delete(l.entries, oldest.Value.(*limitEntry).key)
		l.order.Remove(oldest)
	}
	e := &limitEntry{key: key, limiter: rate.NewLimiter(limit, burst), fetched: now}
	l.entries[key] = l.order.PushFront(e)
	return e.limiter
}

// size is how many buckets are remembered.
func (l *tenantLimits) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.order.Len()
}
