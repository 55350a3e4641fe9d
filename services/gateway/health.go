package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/landlord-dev/landlord/services/gateway/openapi"
)

// healthz says the process serves; it asks no one.
func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz asks every service's gRPC health, in parallel, and is 200 only if
// all say SERVING; the body names each service's answer.
func readyz(conns map[string]*grpc.ClientConn) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		var (
			mu      sync.Mutex
			wg      sync.WaitGroup
			answers = map[string]string{}
		)
		for name, conn := range conns {
			wg.Go(func() {
				resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
				answer := resp.GetStatus().String()
				if err != nil {
					answer = "UNREACHABLE"
				}
				mu.Lock()
				answers[name] = answer
				mu.Unlock()
			})
		}
		wg.Wait()
		code := http.StatusOK
		for _, a := range answers {
			if a != healthpb.HealthCheckResponse_SERVING.String() {
				code = http.StatusServiceUnavailable
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]any{"ready": code == http.StatusOK, "services": answers})
	})
}

// openapiJSON serves the merged OpenAPI 3 document.
func openapiJSON(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openapi.V3JSON)
}

// openapiV2JSON serves the same API as OpenAPI 2, for older tools.
func openapiV2JSON(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openapi.V2JSON)
}

// docs serves the browsable API reference; its script is inline, so the
// page may run only its own script and fetch only from this origin.
func docs(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(openapi.DocsHTML)
}
