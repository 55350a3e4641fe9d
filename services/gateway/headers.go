package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	metav1 "github.com/landlord-dev/landlord/gen/go/landlord/meta/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/requestid"
)

// incomingHeaders forwards X-Request-Id to the services under the metadata
// key they read. Authorization needs no entry: grpc-gateway always passes
// it on as "authorization" metadata, and the services verify the token.
func incomingHeaders(key string) (string, bool) {
	if strings.EqualFold(key, requestid.Header) {
		return requestid.Header, true
	}
	return runtime.DefaultHeaderMatcher(key)
}

// withRequestID gives every request an id: the client's X-Request-Id if it
// is acceptable, a fresh one otherwise. The services receive it, and the
// response carries it back, errors included.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := requestid.Sanitize(r.Header.Get(requestid.Header))
		if id == "" {
			id = requestid.New()
		}
		r.Header.Set(requestid.Header, id)
		w.Header().Set(requestid.Header, id)
		next.ServeHTTP(w, r.WithContext(requestid.With(r.Context(), id)))
	})
}

// maxBodyLimit is the most MaxBodyBytes may be: grpc-gateway decodes a
// body whole into one message, and gRPC refuses messages over 4 MiB.
const maxBodyLimit = 4 << 20

// bodyLimit records that a request's body went over the limit, for the
// error handler: grpc-gateway reports a failed read as a decoding error.
type bodyLimit struct {
	limit    int64
	exceeded atomic.Bool
}

type bodyLimitKey struct{}

// withBodyLimit refuses bodies over limit bytes with 413 and a
// google.rpc.Status: before reading when Content-Length announces more,
// else once reading passes the limit (http.MaxBytesReader: nothing beyond
// it is read into memory, and the connection is closed after the answer).
func withBodyLimit(limit int64, mux *runtime.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			refuse(mux, w, r, bodyTooLarge(limit))
			return
		}
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		bl := &bodyLimit{limit: limit}
		r.Body = &limitedBody{ReadCloser: http.MaxBytesReader(w, r.Body, limit), state: bl}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), bodyLimitKey{}, bl)))
	})
}

// limitedBody notes in state when the body is found too large.
type limitedBody struct {
	io.ReadCloser
	state *bodyLimit
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		b.state.exceeded.Store(true)
	}
	return n, err
}

// bodyTooLarge is the answer to a body over limit: HTTP 413 with the
// status gRPC itself gives a message over its size limit,
// RESOURCE_EXHAUSTED (not INVALID_ARGUMENT: the request may be well formed,
// only too big), with a QuotaFailure naming the limit and no RetryInfo,
// since sending the same body again can never succeed.
func bodyTooLarge(limit int64) error {
	st, _ := apierror.Status(&apierror.QuotaExceededError{Subject: "request body",
		Description: fmt.Sprintf("at most %d bytes", limit)})
	return &runtime.HTTPStatusError{HTTPStatus: http.StatusRequestEntityTooLarge, Err: st.Err()}
}

// withCORS lets browsers on origins call the API; with no origins (the
// default) it adds nothing, so browsers refuse cross-origin calls.
func withCORS(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	any := slices.Contains(origins, "*")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || (!any && !slices.Contains(origins, origin)) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", "X-Request-Id, Retry-After")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, PATCH, PUT, DELETE")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-Id")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// errorHandler is grpc-gateway's error handler (a google.rpc.Status body,
// details included, with the canonical HTTP code), plus a Retry-After
// header when the status says when to retry (RetryInfo). A failure to reach
// a service (a status without Landlord's ErrorInfo) is logged with the
// request id and answered generically: its text names internal addresses.
func errorHandler(log *slog.Logger) runtime.ErrorHandlerFunc {
	return func(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
		if bl, ok := r.Context().Value(bodyLimitKey{}).(*bodyLimit); ok && bl.exceeded.Load() {
			err = bodyTooLarge(bl.limit)
		}
		st, ok := status.FromError(err)
		if ok && apierror.Reason(err) == metav1.ErrorReason_ERROR_REASON_UNSPECIFIED &&
			(st.Code() == codes.Unavailable || st.Code() == codes.Unknown || st.Code() == codes.Internal) {
			log.Warn("service call failed", "request_id", requestid.From(r.Context()), "path", r.URL.Path, "err", err)
			err = unavailable()
			st, _ = status.FromError(err)
		}
		if ok {
			for _, d := range st.Details() {
				if ri, ok := d.(*errdetails.RetryInfo); ok && ri.GetRetryDelay() != nil {
					w.Header().Set("Retry-After", retryAfter(ri.GetRetryDelay().AsDuration().Seconds()))
				}
			}
		}
		runtime.DefaultHTTPErrorHandler(ctx, mux, m, w, r, err)
	}
}

// refuse answers a request the gateway turns away itself (a bad token, a
// tenant's limit, a body too large) as the services' errors are answered:
// err mapped by apierror (an HTTP status set on purpose kept), then
// written by the mux's error handler in the request's format.
func refuse(mux *runtime.ServeMux, w http.ResponseWriter, r *http.Request, err error) {
	if _, withStatus := errors.AsType[*runtime.HTTPStatusError](err); !withStatus {
		st, _ := apierror.Status(err)
		err = st.Err()
	}
	_, out := runtime.MarshalerForRequest(mux, r)
	runtime.HTTPError(r.Context(), mux, out, w, r, err)
}

// unavailable is the answer when a service cannot be reached.
func unavailable() error {
	st, _ := apierror.Status(fmt.Errorf("a Landlord service could not be reached; retry later: %w", apierror.ErrUnavailable))
	return st.Err()
}

// retryAfter is whole seconds, rounded up, at least 1.
func retryAfter(seconds float64) string {
	return strconv.Itoa(max(1, int(math.Ceil(seconds))))
}
