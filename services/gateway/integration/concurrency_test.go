package integration

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/quota/bench"
)

// watchQuota opens tenant's quota watch and reads its first line (the
// quota as it is), so the stream is open when it returns.
func (e *env) watchQuota(t *testing.T, ctx context.Context, tenant string) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.url+"/v1/tenants/"+tenant+"/quota:watch", nil)
	req.Header.Set("Authorization", "Bearer "+e.admin)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(resp.Body)
		t.Fatalf("watch %s: %d %s", tenant, resp.StatusCode, data)
	}
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		t.Fatalf("watch %s: first line: %v", tenant, err)
	}
	return resp
}

// slowPost starts a POST to path whose body never ends until the returned
// function is called: a request that stays in the gateway.
func (e *env) slowPost(t *testing.T, path string) (hangUp func()) {
	t.Helper()
	pr, pw := io.Pipe()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.url+path, pr)
	req.Header.Set("Authorization", "Bearer "+e.admin)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if resp, err := e.client.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	if _, err := pw.Write([]byte(`{"name": `)); err != nil {
		t.Fatal(err)
	}
	return func() {
		pw.CloseWithError(io.ErrUnexpectedEOF)
		<-done
	}
}

func want429AtOnce(t *testing.T, r response, limit string) {
	t.Helper()
	if r.code != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1" {
		t.Fatalf("%d, Retry-After %q: want 429, 1 (%s)", r.code, r.header.Get("Retry-After"), r.body)
	}
	if r.json(t)["code"] != float64(8) || reason(t, r) != "ERROR_REASON_RATE_LIMITED" ||
		!strings.Contains(string(r.body), "at most "+limit) || !strings.Contains(string(r.body), "google.rpc.RetryInfo") {
		t.Errorf("429 body: %s", r.body)
	}
}

func TestATenantsStreamsAndRequestsAtOnceAreBoundedByItsPlan(t *testing.T) {
	e := started(t)
	// At most two requests and two streams open per tenant bucket.
	e.planWithLimit(t, "gw-conc", &quotav1.RateLimit{RequestsPerSecond: 100, Burst: 100, MaxInFlight: 2, MaxStreams: 2})
	conn, err := e.stack.Dial(e.stack.Provisioning.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	busy, calm := "gw-busy-"+run, "gw-calm-"+run
	for _, name := range []string{busy, calm} {
		if err := bench.CreateTenant(e.stack.Admin, provisioningClient(conn), name, "gw-conc"); err != nil {
			t.Fatal(err)
		}
	}

	// Streams: two watches open, the third refused...
	ctx, cancel := context.WithCancel(t.Context())
	e.watchQuota(t, ctx, busy)
	e.watchQuota(t, ctx, busy)
	third, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.url+"/v1/tenants/"+busy+"/quota:watch", nil)
	third.Header.Set("Authorization", "Bearer "+e.admin)
	resp, err := e.client.Do(third)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want429AtOnce(t, response{code: resp.StatusCode, header: resp.Header, body: data}, "2 streams")
	// ...while the tenant's requests have their own slots, and another
	// tenant on the same plan its own streams.
	if r := e.call(t, http.MethodGet, "/v1/tenants/"+busy, e.admin, nil); r.code != http.StatusOK {
		t.Errorf("a request while the streams are full: %d %s", r.code, r.body)
	}
	e.watchQuota(t, ctx, calm)
	cancel()

	// Requests: two whose bodies never end stay in the gateway; the next
	// one is refused (polled: nothing tells when the gateway has them)...
	hangUps := []func(){e.slowPost(t, "/v1/tenants/"+busy+"/namespaces"), e.slowPost(t, "/v1/tenants/"+busy+"/namespaces")}
	var last response
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if last = e.call(t, http.MethodGet, "/v1/tenants/"+busy, e.admin, nil); last.code == http.StatusTooManyRequests {
			break
		}
	}
	want429AtOnce(t, last, "2 requests")
	// ...while another tenant is served.
	if r := e.call(t, http.MethodGet, "/v1/tenants/"+calm, e.admin, nil); r.code != http.StatusOK {
		t.Errorf("another tenant while %s is full: %d %s", busy, r.code, r.body)
	}
	// Once they end, their slots are free again (watches' too): as soon as
	// the gateway sees the client gone, which may take a moment.
	for _, hangUp := range hangUps {
		hangUp()
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		r := e.call(t, http.MethodGet, "/v1/tenants/"+busy, e.admin, nil)
		if r.code == http.StatusOK {
			break
		}
		if r.code != http.StatusTooManyRequests || time.Now().After(deadline) {
			t.Fatalf("after the slow requests ended: %d %s", r.code, r.body)
		}
	}
	e.watchQuota(t, t.Context(), busy)
	e.watchQuota(t, t.Context(), busy)
}
