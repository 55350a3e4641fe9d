package stacktest_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/telemetry"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	"github.com/landlord-dev/landlord/services/internal/testing/otlptest"
	"github.com/landlord-dev/landlord/services/stacktest"
)

func TestMain(m *testing.M) {
	ctrllog.SetLogger(logr.Discard()) // ApplyRBAC's client would warn that none was set
	os.Exit(devclustertest.Main(m))
}

// TestOneRequestIsOneTraceAcrossServices runs the stack with every service
// exporting spans over OTLP to a collector in this test, as a deployment
// would with OTEL_EXPORTER_OTLP_ENDPOINT set. A user's CreateTenant is one
// trace: the user's span, provisioning's server span, its call to quota
// (AdmitNamespaces, inside the request) and quota's server span, each the
// child of the one before. Identity is not called inside any user request:
// the operator tells it of a deleted tenant after DeleteTenant returns, in
// a trace of its own that runs from provisioning into identity.
func TestOneRequestIsOneTraceAcrossServices(t *testing.T) {
	collector := otlptest.Start(t)
	collector.Setenv(t) // for identity in this process and the binaries, which inherit it
	s, err := stacktest.Start(devclustertest.Kubeconfig(t), devclustertest.Env(t), os.TempDir(), stacktest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close(t.Failed()) }()

	// The user's client traces too, so the trace id is known up front.
	user, err := telemetry.New("user")
	if err != nil {
		t.Fatal(err)
	}
	defer user.Shutdown(context.Background())
	conn, err := s.Dial(s.Provisioning.Addr(), user.DialOption())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tenants := provisioningv1.NewTenantServiceClient(conn)
	ctx, request := user.Tracers.Tracer("test").Start(s.Admin, "create a tenant")
	_, err = tenants.CreateTenant(ctx, &provisioningv1.CreateTenantRequest{Tenant: &provisioningv1.Tenant{
		Name: "traced", Plan: "standard", Namespaces: []*provisioningv1.Namespace{{Name: "web"}}}})
	request.End()
	if err != nil {
		t.Fatal(err)
	}
	create := strings.TrimPrefix(provisioningv1.TenantService_CreateTenant_FullMethodName, "/")
	admit := strings.TrimPrefix(quotav1.QuotaAdmissionService_AdmitNamespaces_FullMethodName, "/")
	collector.Await(t, 30*time.Second, func(spans []otlptest.Span) error {
		return chain(spans, request.SpanContext().TraceID().String(), request.SpanContext().SpanID().String(),
			hop{"user", tracepb.Span_SPAN_KIND_CLIENT, create},
			hop{"provisioning", tracepb.Span_SPAN_KIND_SERVER, create},
			hop{"provisioning", tracepb.Span_SPAN_KIND_CLIENT, admit},
			hop{"quota", tracepb.Span_SPAN_KIND_SERVER, admit})
	})

	if _, err := tenants.DeleteTenant(s.Admin, &provisioningv1.DeleteTenantRequest{Name: "traced"}); err != nil {
		t.Fatal(err)
	}
	devclustertest.Eventually(t, 90*time.Second, func() error {
		_, err := tenants.GetTenant(s.Admin, &provisioningv1.GetTenantRequest{Name: "traced"})
		if status.Code(err) != codes.NotFound {
			return fmt.Errorf("tenant still there: %v", err)
		}
		return nil
	})
	forget := strings.TrimPrefix(identityv1.MembershipService_DeleteTenantMemberships_FullMethodName, "/")
	collector.Await(t, 30*time.Second, func(spans []otlptest.Span) error {
		for _, s := range spans {
			if s.Service == "provisioning" && s.Kind == tracepb.Span_SPAN_KIND_CLIENT && s.Name == forget {
				return chain(spans, s.TraceID, s.ParentID,
					hop{"provisioning", tracepb.Span_SPAN_KIND_CLIENT, forget},
					hop{"identity", tracepb.Span_SPAN_KIND_SERVER, forget})
			}
		}
		return fmt.Errorf("no provisioning client span %s among %d spans", forget, len(spans))
	})
}

// hop is a span a trace must have.
type hop struct {
	service string
	kind    tracepb.Span_SpanKind
	name    string
}

// chain checks that trace has the hops, each the child of the one before,
// the first the child of span parent.
func chain(spans []otlptest.Span, trace, parent string, hops ...hop) error {
next:
	for _, h := range hops {
		for _, s := range spans {
			if s.TraceID == trace && s.ParentID == parent && s.Service == h.service && s.Kind == h.kind && s.Name == h.name {
				parent = s.SpanID
				continue next
			}
		}
		var in []string
		for _, s := range spans {
			if s.TraceID == trace {
				in = append(in, s.String())
			}
		}
		return fmt.Errorf("trace %s has no %s %s span %s under span %s; it has:\n%s", trace, h.service, h.kind, h.name, parent, strings.Join(in, "\n"))
	}
	return nil
}
