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
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/requestid"
	"github.com/landlord-dev/landlord/services/internal/server"
	"github.com/landlord-dev/landlord/services/internal/testing/grpctest"
)

func echoConfig() server.Config {
	return server.Config{Service: "echo", Register: grpctest.RegisterEcho}
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
		"bad service name": {Service: "Echo Service", Register: grpctest.RegisterEcho},
		"bad grpc address": {Service: "echo", GRPCAddr: "nonsense", Register: grpctest.RegisterEcho},
		"nothing to serve": {Service: "echo"},
		"negative timeout": {Service: "echo", Register: grpctest.RegisterEcho, ShutdownTimeout: -time.Second},
	}
	for name, cfg := range cases {
		if _, err := server.New(cfg); err == nil {
			t.Errorf("%s: server.New accepted %+v", name, cfg)
		}
	}
}
