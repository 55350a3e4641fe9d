package server_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	metav1 "github.com/landlord-dev/landlord/gen/go/landlord/meta/v1"
	testingv1 "github.com/landlord-dev/landlord/gen/go/landlord/testing/v1"
	"github.com/landlord-dev/landlord/services/internal/access"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/authn"
	"github.com/landlord-dev/landlord/services/internal/grpcmw"
	"github.com/landlord-dev/landlord/services/internal/requestid"
	"github.com/landlord-dev/landlord/services/internal/server"
	"github.com/landlord-dev/landlord/services/internal/testing/grpctest"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

func echoConfig() server.Config {
	return server.Config{Service: "echo", Register: grpctest.RegisterEcho, Access: grpctest.EchoAccess()}
}

func TestGetInfoAndHealth(t *testing.T) {
	conn := grpctest.Start(t, echoConfig())
	ctx := context.Background()

	info, err := metav1.NewInfoServiceClient(conn).GetInfo(ctx, &metav1.GetInfoRequest{})
	if err != nil {
		t.Fatalf("GetInfo: %v", err)
	}
	if got := info.GetInfo().GetService(); got != "echo" {
		t.Errorf("service = %q, want echo", got)
	}
	if info.GetInfo().GetVersion() == "" || !strings.HasPrefix(info.GetInfo().GetGoVersion(), "go") {
		t.Errorf("incomplete info: %v", info.GetInfo())
	}

	health, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatalf("health: %v", err)
	}
	if health.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health = %v, want SERVING", health.GetStatus())
	}
}

func TestInvalidRequestNamesTheField(t *testing.T) {
	client := testingv1.NewEchoServiceClient(grpctest.Start(t, echoConfig()))
	cases := []struct {
		name  string
		req   *testingv1.EchoRequest
		field string
	}{
		{"empty message", &testingv1.EchoRequest{}, "message"},
		{"message too long", &testingv1.EchoRequest{Message: strings.Repeat("x", 257)}, "message"},
		{"negative delay", &testingv1.EchoRequest{Message: "hi", Delay: durationpb.New(-time.Second)}, "delay"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.Echo(context.Background(), tc.req)
			st := status.Convert(err)
			if st.Code() != codes.InvalidArgument {
				t.Fatalf("code = %v, want InvalidArgument (%v)", st.Code(), err)
			}
			if r := apierror.Reason(err); r != metav1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT {
				t.Errorf("reason = %v", r)
			}
			var fields []string
			for _, d := range st.Details() {
				if br, ok := d.(*errdetails.BadRequest); ok {
					for _, v := range br.GetFieldViolations() {
						fields = append(fields, v.GetField())
					}
				}
			}
			if len(fields) != 1 || fields[0] != tc.field {
				t.Errorf("field violations = %v, want [%s]", fields, tc.field)
			}
		})
	}
}

func TestPanicBecomesInternalAndServerKeepsServing(t *testing.T) {
	client := testingv1.NewEchoServiceClient(grpctest.Start(t, echoConfig()))
	ctx := context.Background()
	for range 3 {
		_, err := client.Echo(ctx, &testingv1.EchoRequest{Message: grpctest.EchoPanic})
		if status.Code(err) != codes.Internal {
			t.Fatalf("panic: code = %v, want Internal", status.Code(err))
		}
		if strings.Contains(err.Error(), "asked to panic") {
			t.Errorf("panic text leaked to the client: %v", err)
		}
		resp, err := client.Echo(ctx, &testingv1.EchoRequest{Message: "still here"})
		if err != nil || resp.GetMessage() != "still here" {
			t.Fatalf("after panic: %v, %v", resp, err)
		}
	}
}

func TestDomainAndInternalErrorsAreMapped(t *testing.T) {
	client := testingv1.NewEchoServiceClient(grpctest.Start(t, echoConfig()))
	ctx := context.Background()

	_, err := client.Echo(ctx, &testingv1.EchoRequest{Message: grpctest.EchoNotFound})
	if status.Code(err) != codes.NotFound || apierror.Reason(err) != metav1.ErrorReason_ERROR_REASON_NOT_FOUND {
		t.Errorf("not found: %v (reason %v)", err, apierror.Reason(err))
	}

	_, err = client.Echo(ctx, &testingv1.EchoRequest{Message: grpctest.EchoInternal})
	if status.Code(err) != codes.Internal || apierror.Reason(err) != metav1.ErrorReason_ERROR_REASON_INTERNAL {
		t.Errorf("internal: %v", err)
	}
	if strings.Contains(err.Error(), grpctest.InternalSecret) {
		t.Errorf("internal error text leaked: %v", err)
	}
}

func TestRequestIDIsKeptOrMade(t *testing.T) {
	client := testingv1.NewEchoServiceClient(grpctest.Start(t, echoConfig()))
	call := func(sent string) string {
		ctx := context.Background()
		if sent != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, requestid.Header, sent)
		}
		var header metadata.MD
		if _, err := client.Echo(ctx, &testingv1.EchoRequest{Message: "hi"}, grpc.Header(&header)); err != nil {
			t.Fatalf("Echo: %v", err)
		}
		return strings.Join(header.Get(requestid.Header), ",")
	}
	if got := call("client-id-42"); got != "client-id-42" {
		t.Errorf("kept id = %q", got)
	}
	if got := call("bad id with spaces"); got == "" || strings.Contains(got, " ") {
		t.Errorf("replacement id = %q", got)
	}
	if a, b := call(""), call(""); a == "" || a == b {
		t.Errorf("made ids %q and %q, want distinct non-empty", a, b)
	}
}

type denyAll struct{}

func (denyAll) Authenticate(context.Context, string) (context.Context, error) {
	return nil, errors.Join(apierror.ErrUnauthenticated, errors.New("no token"))
}

func TestAuthenticationHookGuardsAllButPublicMethods(t *testing.T) {
	cfg := echoConfig()
	cfg.Authenticator = denyAll{}
	cfg.Access = grpctest.EchoAccessWith(access.AnyCaller())
	conn := grpctest.Start(t, cfg)
	ctx := context.Background()

	_, err := testingv1.NewEchoServiceClient(conn).Echo(ctx, &testingv1.EchoRequest{Message: "hi"})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("Echo without credentials: %v, want Unauthenticated", err)
	}
	// Validation runs after authentication: an anonymous caller learns
	// nothing about request rules.
	_, err = testingv1.NewEchoServiceClient(conn).Echo(ctx, &testingv1.EchoRequest{})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("invalid Echo without credentials: %v, want Unauthenticated", err)
	}
	if _, err := metav1.NewInfoServiceClient(conn).GetInfo(ctx, &metav1.GetInfoRequest{}); err != nil {
		t.Errorf("GetInfo is public: %v", err)
	}
	if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Errorf("health is public: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	cases := map[string]server.Config{
		"bad service name": {Service: "Echo Service", Register: grpctest.RegisterEcho, Access: grpctest.EchoAccess()},
		"bad grpc address": {Service: "echo", GRPCAddr: "nonsense", Register: grpctest.RegisterEcho, Access: grpctest.EchoAccess()},
		"nothing to serve": {Service: "echo", Access: grpctest.EchoAccess()},
		"no access table":  {Service: "echo", Register: grpctest.RegisterEcho},
		"negative timeout": {Service: "echo", Register: grpctest.RegisterEcho, Access: grpctest.EchoAccess(), ShutdownTimeout: -time.Second},
	}
	for name, cfg := range cases {
		if _, err := server.New(cfg); err == nil {
			t.Errorf("%s: server.New accepted %+v", name, cfg)
		}
	}
}

func TestAMethodWithoutAnAuthorizationRuleIsRefusedAtStart(t *testing.T) {
	cfg := echoConfig()
	cfg.Access = &access.Table{Rules: map[string]access.Rule{}}
	_, err := server.New(cfg)
	if err == nil || !strings.Contains(err.Error(), testingv1.EchoService_Echo_FullMethodName) {
		t.Fatalf("server.New with no row for Echo: %v; want an error naming the method", err)
	}
}

// recorder is an Auditor that keeps what it is given.
type recorder struct{ calls chan grpcmw.AuditedCall }

func (r recorder) Audit(_ context.Context, c grpcmw.AuditedCall) { r.calls <- c }

// allowToken authenticates "Bearer good" as user:alice and refuses the rest.
type allowToken struct{}

func (allowToken) Authenticate(ctx context.Context, _ string) (context.Context, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("authorization"); len(v) == 1 && v[0] == "Bearer good" {
		return authn.WithClaims(ctx, &tokenverify.Claims{Subject: "user:alice"}), nil
	}
	return nil, apierror.ErrUnauthenticated
}

func TestAuditedCallsAreRecordedWhateverStopsThem(t *testing.T) {
	cfg := echoConfig()
	rec := recorder{calls: make(chan grpcmw.AuditedCall, 4)}
	cfg.Authenticator, cfg.Auditor = allowToken{}, rec
	cfg.Access = grpctest.EchoAccessWith(access.AnyCaller().Audited())
	echo := testingv1.NewEchoServiceClient(grpctest.Start(t, cfg))
	good := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer good")

	cases := []struct {
		name  string
		ctx   context.Context
		req   *testingv1.EchoRequest
		code  codes.Code
		actor string
	}{
		{"refused by authentication", context.Background(), &testingv1.EchoRequest{Message: "hi"}, codes.Unauthenticated, ""},
		{"refused by validation", good, &testingv1.EchoRequest{}, codes.InvalidArgument, "user:alice"},
		{"refused by the handler", good, &testingv1.EchoRequest{Message: grpctest.EchoNotFound}, codes.NotFound, "user:alice"},
		{"allowed", good, &testingv1.EchoRequest{Message: "hi"}, codes.OK, "user:alice"},
	}
	for _, c := range cases {
		_, err := echo.Echo(c.ctx, c.req)
		if status.Code(err) != c.code {
			t.Fatalf("%s: %v, want %v", c.name, err, c.code)
		}
		got := <-rec.calls
		code, _ := apierror.Status(got.Err)
		if got.Method != testingv1.EchoService_Echo_FullMethodName || got.Actor != c.actor || code.Code() != c.code {
			t.Errorf("%s: audited %s by %q with %v; want %q and %v", c.name, got.Method, got.Actor, code.Code(), c.actor, c.code)
		}
	}
}

// expiring authenticates anyone as user:alice with a token that expires
// after ttl.
type expiring struct{ ttl time.Duration }

func (e expiring) Authenticate(ctx context.Context, _ string) (context.Context, error) {
	return authn.WithClaims(ctx, &tokenverify.Claims{Subject: "user:alice", Expiry: time.Now().Add(e.ttl)}), nil
}

func streamingConfig(ttl time.Duration, maxStreams int) server.Config {
	cfg := echoConfig()
	cfg.Authenticator, cfg.MaxStreamsPerCaller = expiring{ttl}, maxStreams
	cfg.Access = grpctest.EchoAccessWith(access.AnyCaller())
	return cfg
}

func TestAStreamEndsWhenItsCallersTokenExpires(t *testing.T) {
	echo := testingv1.NewEchoServiceClient(grpctest.Start(t, streamingConfig(500*time.Millisecond, 4)))
	stream, err := echo.EchoStream(context.Background(), &testingv1.EchoStreamRequest{Message: "tick", Delay: durationpb.New(50 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	start, ticks := time.Now(), 0
	for {
		if _, err = stream.Recv(); err != nil {
			break
		}
		ticks++
	}
	if status.Code(err) != codes.Unauthenticated || ticks < 2 {
		t.Errorf("stream ended after %d ticks with %v; want ticks, then UNAUTHENTICATED at expiry", ticks, err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the stream outlived its token by %v", took)
	}
}

func TestACallerHoldsABoundedNumberOfStreams(t *testing.T) {
	echo := testingv1.NewEchoServiceClient(grpctest.Start(t, streamingConfig(time.Hour, 2)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	open := func() (grpc.ServerStreamingClient[testingv1.EchoStreamResponse], error) {
		stream, err := echo.EchoStream(ctx, &testingv1.EchoStreamRequest{Message: "hold"})
		if err == nil {
			_, err = stream.Recv()
		}
		return stream, err
	}
	for i := range 2 {
		if _, err := open(); err != nil {
			t.Fatalf("stream %d: %v", i, err)
		}
	}
	if _, err := open(); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("third stream: %v, want RESOURCE_EXHAUSTED", err)
	}
	// Unary calls are not streams: they still go through.
	if _, err := echo.Echo(ctx, &testingv1.EchoRequest{Message: "hi"}); err != nil {
		t.Errorf("unary call while at the stream limit: %v", err)
	}
}
