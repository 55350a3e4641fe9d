package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/internal/roles"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

func TestTenantOfNamesTheTenantOfTenantPathsOnly(t *testing.T) {
	for path, want := range map[string]string{
		"/v1/tenants/acme":                       "acme",
		"/v1/tenants/acme/namespaces/web":        "acme",
		"/v1/tenants/acme:hibernate":             "acme",
		"/v1/tenants/acme/events:watch":          "acme",
		"/v1/tenants":                            "",
		"/v1/tenants:watch":                      "",
		"/v1/plans/gold":                         "",
		"/v1/users/bob/tenants/acme/whats":       "",
		"/v1/tenants/Not_A_Name":                 "",
		"/v1/tenants/" + strings.Repeat("a", 41): "",
	} {
		if got := tenantOf(path); got != want {
			t.Errorf("tenantOf(%q) = %q, want %q", path, got, want)
		}
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func fixed(rps float64, burst int, calls *atomic.Int32) rateFetcher {
	return func(context.Context, string) (planLimits, error) {
		calls.Add(1)
		return planLimits{rps: rps, burst: burst}, nil
	}
}

func TestBurstingATenantGets429WithRetryAfterAndAStatusBody(t *testing.T) {
	var calls atomic.Int32
	l := newTenantLimits(fixed(0.5, 2, &calls), bucketOf(nil), time.Minute, 10, quiet())
	h := l.middleware(runtime.NewServeMux(runtime.WithErrorHandler(errorHandler(quiet())))) // routes nothing: 404 when let through
	codes := []int{}
	var last *httptest.ResponseRecorder
	for range 3 {
		last = httptest.NewRecorder()
		h.ServeHTTP(last, httptest.NewRequest(http.MethodGet, "/v1/tenants/acme", nil))
		codes = append(codes, last.Code)
	}
	if codes[0] == http.StatusTooManyRequests || codes[1] == http.StatusTooManyRequests || codes[2] != http.StatusTooManyRequests {
		t.Fatalf("codes %v: want the burst of 2 through, the third refused", codes)
	}
	if ra := last.Header().Get("Retry-After"); ra != "2" {
		t.Errorf("Retry-After %q, want 2 (one token at 0.5/s)", ra)
	}
	var body struct {
		Code    int
		Details []map[string]any
	}
	if err := json.Unmarshal(last.Body.Bytes(), &body); err != nil || body.Code != 8 {
		t.Fatalf("body %s (%v): want a google.rpc.Status with code 8", last.Body, err)
	}
	types := map[string]bool{}
	for _, d := range body.Details {
		types[d["@type"].(string)] = true
	}
	if !types["type.googleapis.com/google.rpc.RetryInfo"] || !types["type.googleapis.com/google.rpc.ErrorInfo"] {
		t.Errorf("details %v: want RetryInfo and ErrorInfo", body.Details)
	}
	// Another tenant has its own bucket; quota was asked once per tenant.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/tenants/other/usage", nil))
	if rec.Code == http.StatusTooManyRequests || calls.Load() != 2 {
		t.Errorf("other tenant: %d after %d quota calls", rec.Code, calls.Load())
	}
}

func TestRatesAreAskedAgainAfterTheirTTL(t *testing.T) {
	var calls atomic.Int32
	l := newTenantLimits(fixed(100, 100, &calls), bucketOf(nil), time.Minute, 10, quiet())
	now := time.Now()
	l.now = func() time.Time { return now }
	l.limiter(t.Context(), "acme", "acme")
	l.limiter(t.Context(), "acme", "acme")
	now = now.Add(2 * time.Minute)
	l.limiter(t.Context(), "acme", "acme")
	if calls.Load() != 2 {
		t.Errorf("quota asked %d times, want 2", calls.Load())
	}
}

func TestLimitersAreBounded(t *testing.T) {
	var calls atomic.Int32
	l := newTenantLimits(fixed(1, 1, &calls), bucketOf(nil), time.Minute, 3, quiet())
	for _, tenant := range []string{"a", "b", "c", "a", "d"} {
		l.limiter(t.Context(), tenant, tenant)
	}
	if l.size() != 3 {
		t.Fatalf("%d limiters kept, want 3", l.size())
	}
	if _, ok := l.entries["b"]; ok {
		t.Error("b, least recently used, is still kept")
	}
}

func TestTenantsAreNotLimitedWhenQuotaCannotAnswer(t *testing.T) {
	l := newTenantLimits(func(context.Context, string) (planLimits, error) {
		return planLimits{}, errors.New("unavailable")
	}, bucketOf(nil), time.Minute, 10, quiet())
	for range 50 {
		if wait := l.reserve(l.entry(t.Context(), "acme", "acme")); wait != 0 {
			t.Fatalf("refused for %s", wait)
		}
	}
}

func TestOutsidersDoNotSpendATenantsRequests(t *testing.T) {
	verify := func(_ context.Context, raw string) (*tokenverify.Claims, error) {
		switch raw {
		case "member":
			return &tokenverify.Claims{Groups: []string{roles.TenantGroup("acme", identityv1.Role_ROLE_VIEWER)}}, nil
		case "admin":
			return &tokenverify.Claims{Groups: []string{roles.PlatformAdminGroup}}, nil
		case "stranger":
			return &tokenverify.Claims{Groups: []string{roles.TenantGroup("other", identityv1.Role_ROLE_OWNER)}}, nil
		}
		return nil, errors.New("bad token")
	}
	var calls atomic.Int32
	l := newTenantLimits(fixed(0.01, 2, &calls), bucketOf(verify), time.Minute, 10, quiet())
	h := l.middleware(runtime.NewServeMux(runtime.WithErrorHandler(errorHandler(quiet()))))
	get := func(token string) int {
		req := httptest.NewRequest(http.MethodGet, "/v1/tenants/acme/usage", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	// Strangers, forged tokens and anonymous callers share one bucket...
	for _, token := range []string{"stranger", "forged", "", "stranger"} {
		get(token)
	}
	if code := get("stranger"); code != http.StatusTooManyRequests {
		t.Fatalf("outsiders past the burst: %d, want 429", code)
	}
	// ...and the tenant's members and platform admins still have theirs.
	if code := get("member"); code == http.StatusTooManyRequests {
		t.Error("a member was refused after outsiders spent their bucket")
	}
	if code := get("admin"); code == http.StatusTooManyRequests {
		t.Error("an admin was refused after outsiders spent their bucket")
	}
	if code := get("member"); code != http.StatusTooManyRequests {
		t.Errorf("members and admins share the tenant's burst of 2: third got %d", code)
	}
}
