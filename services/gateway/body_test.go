package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// bodyServer is the body limit in front of a route that decodes its body
// as grpc-gateway's generated handlers do (a failed read is their
// INVALID_ARGUMENT), over a real HTTP server.
func bodyServer(t *testing.T, limit int64) (*httptest.Server, *int64) {
	t.Helper()
	mux := runtime.NewServeMux(runtime.WithErrorHandler(errorHandler(quiet())))
	var read int64
	err := mux.HandlePath(http.MethodPost, "/v1/echo", func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		data, err := io.ReadAll(r.Body)
		read = int64(len(data))
		if err != nil {
			_, out := runtime.MarshalerForRequest(mux, r)
			runtime.HTTPError(r.Context(), mux, out, w, r, status.Errorf(codes.InvalidArgument, "%v", err))
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(withBodyLimit(limit, mux, mux))
	t.Cleanup(srv.Close)
	return srv, &read
}

// unsized hides a reader's length, so that the client sends it chunked.
type unsized struct{ io.Reader }

func post(t *testing.T, url string, body io.Reader) (int, string) {
	t.Helper()
	resp, err := http.Post(url+"/v1/echo", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func want413(t *testing.T, code int, body string) {
	t.Helper()
	var st struct {
		Code    int
		Message string
		Details []map[string]any
	}
	if code != http.StatusRequestEntityTooLarge {
		t.Fatalf("%d %s, want 413", code, body)
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil || st.Code != int(codes.ResourceExhausted) || len(st.Details) == 0 {
		t.Fatalf("body %s (%v): want a google.rpc.Status RESOURCE_EXHAUSTED with details", body, err)
	}
	if !strings.Contains(body, "QuotaFailure") || !strings.Contains(body, "1024 bytes") {
		t.Errorf("body %s: want a QuotaFailure naming the limit", body)
	}
}

func TestBodiesOverTheLimitGet413(t *testing.T) {
	srv, read := bodyServer(t, 1024)
	// Content-Length announces too much: refused before reading.
	code, body := post(t, srv.URL, strings.NewReader(strings.Repeat("x", 4096)))
	want413(t, code, body)
	if *read != 0 {
		t.Errorf("the handler read %d bytes of a body announced too large", *read)
	}
	// Chunked, no Content-Length: refused once reading passes the limit.
	code, body = post(t, srv.URL, unsized{strings.NewReader(strings.Repeat("x", 1<<20))})
	want413(t, code, body)
	if *read > 1024 {
		t.Errorf("read %d bytes, limit 1024", *read)
	}
	// The gateway keeps serving: at the limit is fine, either way.
	if code, body := post(t, srv.URL, strings.NewReader(strings.Repeat("x", 1024))); code != http.StatusOK {
		t.Errorf("a body at the limit: %d %s", code, body)
	}
	if code, body := post(t, srv.URL, unsized{strings.NewReader(strings.Repeat("x", 1000))}); code != http.StatusOK {
		t.Errorf("a chunked body under the limit: %d %s", code, body)
	}
}

func TestBodyLimitIsAFlagWithinGRPCsMessageLimit(t *testing.T) {
	cfg := Defaults()
	if cfg.MaxBodyBytes != 1<<20 {
		t.Errorf("default %d, want 1 MiB", cfg.MaxBodyBytes)
	}
	for _, bad := range []int64{0, -1, maxBodyLimit + 1} {
		cfg.MaxBodyBytes = bad
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "max body bytes") {
			t.Errorf("MaxBodyBytes %d: %v", bad, err)
		}
	}
}
