package integration

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// bigBody is a JSON object over the gateway's default 1 MiB limit.
func bigBody() string { return `{"name": "` + strings.Repeat("x", 2<<20) + `"}` }

func (e *env) postRaw(t *testing.T, path string, body io.Reader) response {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.url+path, body)
	req.Header.Set("Authorization", "Bearer "+e.admin)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return response{code: resp.StatusCode, header: resp.Header, body: data}
}

// chunked hides a reader's length: the client sends it without a
// Content-Length.
type chunked struct{ io.Reader }

func TestOversizedBodiesGet413AndTheGatewayKeepsServing(t *testing.T) {
	e := started(t)
	for name, body := range map[string]io.Reader{
		"Content-Length": strings.NewReader(bigBody()),
		"chunked":        chunked{strings.NewReader(bigBody())},
	} {
		r := e.postRaw(t, "/v1/plans", body)
		if r.code != http.StatusRequestEntityTooLarge {
			t.Fatalf("%s: %d %.300s, want 413", name, r.code, r.body)
		}
		if r.json(t)["code"] != float64(8) || reason(t, r) != "ERROR_REASON_QUOTA_EXCEEDED" || r.header.Get("Retry-After") != "" {
			t.Errorf("%s: 413 body %s, Retry-After %q", name, r.body, r.header.Get("Retry-After"))
		}
		if r := e.call(t, http.MethodGet, "/v1/plans/standard", e.admin, nil); r.code != http.StatusOK {
			t.Errorf("after a %s body over the limit: %d %s", name, r.code, r.body)
		}
	}
}
