package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/reflect/protoregistry"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/internal/roles"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

// held is a handler whose calls block until released, each one announced
// on entered.
type held struct {
	entered chan string
	mu      sync.Mutex
	gates   map[string]chan struct{}
}

func newHeld() *held {
	return &held{entered: make(chan string, 100), gates: map[string]chan struct{}{}}
}

func (h *held) gate(id string) chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gates[id] == nil {
		h.gates[id] = make(chan struct{})
	}
	return h.gates[id]
}

func (h *held) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("X-Test-Id")
	h.entered <- id
	select {
	case <-h.gate(id):
	case <-r.Context().Done():
	}
	if r.Header.Get("X-Test-Panic") != "" {
		panic("handler failed")
	}
	w.WriteHeader(http.StatusOK)
}

// concurrencyEnv is tenantLimits allowing two requests and one stream at
// once (no rate limit) in front of a held handler; tokens "member" (of
// acme) and anything else (outsiders) as in bucketOf.
type concurrencyEnv struct {
	l    *tenantLimits
	h    http.Handler
	held *held
}

func newConcurrencyEnv(t *testing.T) *concurrencyEnv {
	t.Helper()
	verify := func(_ context.Context, raw string) (*tokenverify.Claims, error) {
		if raw == "member" {
			return &tokenverify.Claims{Groups: []string{roles.TenantGroup("acme", identityv1.Role_ROLE_VIEWER)}}, nil
		}
		return nil, errors.New("bad token")
	}
	l := newTenantLimits(func(context.Context, string) (planLimits, error) {
		return planLimits{maxInFlight: 2, maxStream: 1}, nil
	}, bucketOf(verify), time.Minute, 10, quiet())
	l.isStream = streamRoutes(protoregistry.GlobalFiles)
	hd := newHeld()
	mux := runtime.NewServeMux(runtime.WithErrorHandler(errorHandler(quiet())))
	return &concurrencyEnv{l: l, h: l.wrap(mux, hd), held: hd}
}

// start sends a request in the background; its answer arrives on the
// returned channel.
func (e *concurrencyEnv) start(ctx context.Context, path, token, id string, headers ...string) <-chan *httptest.ResponseRecorder {
	done := make(chan *httptest.ResponseRecorder, 1)
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	req.Header.Set("X-Test-Id", id)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	go func() {
		rec := httptest.NewRecorder()
		defer func() {
			_ = recover() // what net/http does with a handler's panic
			done <- rec
		}()
		e.h.ServeHTTP(rec, req)
	}()
	return done
}

// hold starts a request and waits until the handler has it.
func (e *concurrencyEnv) hold(t *testing.T, ctx context.Context, path, token, id string, headers ...string) <-chan *httptest.ResponseRecorder {
	t.Helper()
	done := e.start(ctx, path, token, id, headers...)
	select {
	case got := <-e.held.entered:
		if got != id {
			t.Fatalf("handler got %q, want %q", got, id)
		}
	case rec := <-done:
		t.Fatalf("%s answered %d %s instead of being held", id, rec.Code, rec.Body)
	case <-time.After(5 * time.Second):
		t.Fatalf("%s never reached the handler", id)
	}
	return done
}

// now sends a request that must be answered without reaching the handler
// (a refusal), or reaches it and is let go at once.
func (e *concurrencyEnv) now(t *testing.T, path, token, id string) *httptest.ResponseRecorder {
	t.Helper()
	close(e.held.gate(id))
	done := e.start(t.Context(), path, token, id)
	select {
	case rec := <-done:
		select { // drain the announcement of a request let through
		case <-e.held.entered:
		default:
		}
		return rec
	case <-time.After(5 * time.Second):
		t.Fatalf("%s not answered", id)
		return nil
	}
}

func wait(t *testing.T, done <-chan *httptest.ResponseRecorder) *httptest.ResponseRecorder {
	t.Helper()
	select {
	case rec := <-done:
		return rec
	case <-time.After(5 * time.Second):
		t.Fatal("not answered")
		return nil
	}
}

func TestATenantsThirdRequestAtOnceGets429(t *testing.T) {
	e := newConcurrencyEnv(t)
	first := e.hold(t, t.Context(), "/v1/tenants/acme", "member", "1")
	e.hold(t, t.Context(), "/v1/tenants/acme/usage", "member", "2")
	rec := e.now(t, "/v1/tenants/acme", "member", "3")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("third at once: %d, Retry-After %q; want 429, 1", rec.Code, rec.Header().Get("Retry-After"))
	}
	var body struct {
		Code    int
		Message string
		Details []map[string]any
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Code != 8 || !strings.Contains(body.Message, "at most 2 requests") {
		t.Fatalf("body %s (%v): want RESOURCE_EXHAUSTED naming the limit", rec.Body, err)
	}
	if !strings.Contains(rec.Body.String(), "RetryInfo") || !strings.Contains(rec.Body.String(), "ERROR_REASON_RATE_LIMITED") {
		t.Errorf("body %s: want RetryInfo and the RATE_LIMITED reason", rec.Body)
	}
	// Another tenant has slots of its own.
	if rec := e.now(t, "/v1/tenants/other", "", "4"); rec.Code != http.StatusOK {
		t.Errorf("other tenant while acme is full: %d", rec.Code)
	}
	// An answer frees its slot.
	close(e.held.gate("1"))
	if rec := wait(t, first); rec.Code != http.StatusOK {
		t.Fatalf("first: %d", rec.Code)
	}
	if rec := e.now(t, "/v1/tenants/acme", "member", "5"); rec.Code != http.StatusOK {
		t.Errorf("after a slot was freed: %d", rec.Code)
	}
}

func TestSlotsAreFreedOnCancelAndPanic(t *testing.T) {
	e := newConcurrencyEnv(t)
	ctx, cancel := context.WithCancel(t.Context())
	canceled := e.hold(t, ctx, "/v1/tenants/acme", "member", "c")
	panicked := e.hold(t, t.Context(), "/v1/tenants/acme", "member", "p", "X-Test-Panic", "1")
	cancel()
	close(e.held.gate("p"))
	wait(t, canceled)
	wait(t, panicked)
	if requests, streams := e.l.open("acme"); requests != 0 || streams != 0 {
		t.Fatalf("open after a canceled and a panicking call: %d requests, %d streams", requests, streams)
	}
	e.hold(t, t.Context(), "/v1/tenants/acme", "member", "a")
	e.hold(t, t.Context(), "/v1/tenants/acme", "member", "b")
}

func TestOutsidersCannotTakeMembersSlots(t *testing.T) {
	e := newConcurrencyEnv(t)
	e.hold(t, t.Context(), "/v1/tenants/acme", "", "x1")
	e.hold(t, t.Context(), "/v1/tenants/acme", "forged", "x2")
	if rec := e.now(t, "/v1/tenants/acme", "", "x3"); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("third outsider: %d, want 429", rec.Code)
	}
	e.hold(t, t.Context(), "/v1/tenants/acme", "member", "m1")
	e.hold(t, t.Context(), "/v1/tenants/acme", "member", "m2")
}

func TestStreamsHaveAPoolOfTheirOwn(t *testing.T) {
	e := newConcurrencyEnv(t)
	e.hold(t, t.Context(), "/v1/tenants/acme/events:watch", "member", "w1")
	rec := e.now(t, "/v1/tenants/acme/quota:watch", "member", "w2")
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), "at most 1 streams") {
		t.Fatalf("second stream: %d %s, want 429 naming the stream limit", rec.Code, rec.Body)
	}
	// The open watch takes no request slot.
	e.hold(t, t.Context(), "/v1/tenants/acme", "member", "r1")
	e.hold(t, t.Context(), "/v1/tenants/acme", "member", "r2")
}

func TestBusyBucketsAreNotForgotten(t *testing.T) {
	e := newConcurrencyEnv(t)
	e.l.max = 2
	e.hold(t, t.Context(), "/v1/tenants/acme", "member", "1")
	e.hold(t, t.Context(), "/v1/tenants/acme", "member", "2")
	// Outsiders touch many tenants to push acme's bucket out.
	for i, tenant := range []string{"b", "c", "d", "e"} {
		e.now(t, "/v1/tenants/"+tenant, "", "t"+string(rune('0'+i)))
	}
	if rec := e.now(t, "/v1/tenants/acme", "member", "3"); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("third at once after other tenants were looked up: %d, want 429", rec.Code)
	}
}

func TestStreamRoutesAreTheServerStreamsOfTheProtos(t *testing.T) {
	isStream := streamRoutes(protoregistry.GlobalFiles)
	for path, want := range map[string]bool{
		"/v1/tenants/acme/events:watch": true,
		"/v1/tenants/acme/quota:watch":  true,
		"/v1/tenants:watch":             true,
		"/v1/tenants/acme":              false,
		"/v1/tenants/acme/usage":        false,
		"/v1/tenants/acme/events":       false,
	} {
		if got := isStream(httptest.NewRequest(http.MethodGet, path, nil)); got != want {
			t.Errorf("%s: stream %v, want %v", path, got, want)
		}
	}
	if isStream(httptest.NewRequest(http.MethodPost, "/v1/tenants/acme/events:watch", nil)) {
		t.Error("POST of a GET stream's path counted as a stream")
	}
}

// TestCallsNamingNoTenantAreBoundedPerCaller: the global watch names no
// tenant; each signed-in caller may hold the gateway's default number of
// streams open, and no more.
func TestCallsNamingNoTenantAreBoundedPerCaller(t *testing.T) {
	e := newConcurrencyEnv(t)
	e.l.fetch = func(context.Context, string) (planLimits, error) {
		t.Error("quota asked about a call that names no tenant")
		return planLimits{}, nil
	}
	e.l.defaults = planLimits{maxInFlight: 2, maxStream: 1}
	limited := e.h
	// What the authenticator leaves for the limits: the verified caller.
	e.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sub, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			r = r.WithContext(context.WithValue(r.Context(), claimsKey{}, &tokenverify.Claims{Subject: sub}))
		}
		limited.ServeHTTP(w, r)
	})
	e.hold(t, t.Context(), "/v1/tenants:watch", "user:ann", "ann-1")
	if rec := e.now(t, "/v1/tenants:watch", "user:ann", "ann-2"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("ann's second watch: %d %s, want 429", rec.Code, rec.Body)
	}
	if rec := e.now(t, "/v1/tenants:watch", "user:bob", "bob-1"); rec.Code != http.StatusOK {
		t.Errorf("bob's watch: %d %s, want it served", rec.Code, rec.Body)
	}
	if rec := e.now(t, "/v1/users", "user:ann", "ann-3"); rec.Code != http.StatusOK {
		t.Errorf("ann's request beside her watch: %d %s, want it served", rec.Code, rec.Body)
	}
}
