package gateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/landlord-dev/landlord/services/internal/requestid"
)

func TestRequestIDsAreKeptOrMadeAndEchoed(t *testing.T) {
	var seen string
	h := withRequestID(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		seen = r.Header.Get("X-Request-Id")
	}))
	for give, keep := range map[string]bool{"abc-123": true, "": false, "has space": false, strings.Repeat("x", 200): false} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("X-Request-Id", give)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		got := rec.Header().Get("X-Request-Id")
		if got == "" || got != seen || (got == give) != keep {
			t.Errorf("sent %q: echoed %q, forwarded %q", give, got, seen)
		}
	}
	if key, ok := incomingHeaders("X-Request-Id"); !ok || key != requestid.Header {
		t.Errorf("X-Request-Id forwarded as %q, %v", key, ok)
	}
}

func TestCORSAnswersOnlyAllowedOrigins(t *testing.T) {
	h := withCORS([]string{"https://console.example"}, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	for origin, allowed := range map[string]bool{"https://console.example": true, "https://evil.example": false} {
		req := httptest.NewRequest(http.MethodOptions, "/v1/tenants", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if got := rec.Header().Get("Access-Control-Allow-Origin"); (got == origin) != allowed {
			t.Errorf("origin %s: Allow-Origin %q", origin, got)
		}
	}
	none := withCORS(nil, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Origin", "https://console.example")
	rec := httptest.NewRecorder()
	none.ServeHTTP(rec, req)
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Error("CORS headers with no allowed origins")
	}
}

func TestUnreachableServicesAreAnsweredWithoutInternalText(t *testing.T) {
	mux := runtime.NewServeMux(runtime.WithErrorHandler(errorHandler(quiet())))
	req := httptest.NewRequest(http.MethodGet, "/v1/tenants", nil)
	rec := httptest.NewRecorder()
	_, out := runtime.MarshalerForRequest(mux, req)
	runtime.HTTPError(req.Context(), mux, out, rec, req,
		status.Error(codes.Unavailable, `connection error: dial tcp 10.0.0.7:7100: connect: connection refused`))
	if rec.Code != http.StatusServiceUnavailable || strings.Contains(rec.Body.String(), "7100") ||
		!strings.Contains(rec.Body.String(), "ERROR_REASON_UNAVAILABLE") {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}
