package tenants_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/controller"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans/planstest"
	"github.com/landlord-dev/landlord/services/provisioning/internal/tenants"
)

// fakeAdmission is the quota service: it admits up to max namespaces and
// records what it was asked.
type fakeAdmission struct {
	mu    sync.Mutex
	max   int
	asked []string
}

func (f *fakeAdmission) AdmitNamespaces(_ context.Context, tenant, plan string, count int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, fmt.Sprintf("%s/%s/%d", tenant, plan, count))
	if !slices.Contains(planstest.Names(), plan) { // as the quota service answers
		return status.Errorf(codes.InvalidArgument, "tenant.plan: no plan %q; plans: %v", plan, planstest.Names())
	}
	if count > f.max {
		return status.Errorf(codes.ResourceExhausted, "namespaces: the plan allows %d", f.max)
	}
	return nil
}

func (f *fakeAdmission) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.asked...)
}

// indexer registers the operator's cache indexes on a fake client.
type indexer struct{ b *fake.ClientBuilder }

func (i indexer) IndexField(_ context.Context, obj client.Object, field string, f client.IndexerFunc) error {
	i.b.WithIndex(obj, field, f)
	return nil
}

func service(t *testing.T, quota tenants.Quota) *tenants.Service {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	b := fake.NewClientBuilder().WithScheme(scheme)
	if err := controller.Indexes(context.Background(), indexer{b}); err != nil {
		t.Fatal(err)
	}
	c := b.Build()
	return &tenants.Service{Client: c, Reader: c, Cache: c, Plans: planstest.Table(), Quota: quota}
}

func namespaces(names ...string) []*provisioningv1.Namespace {
	var out []*provisioningv1.Namespace
	for _, n := range names {
		out = append(out, &provisioningv1.Namespace{Name: n})
	}
	return out
}

// TestTheQuotaServiceAdmitsNamespaceCounts: creating a tenant, adding a
// namespace and changing the plan ask the quota service, whose refusal
// reaches the caller as it is; other changes, and requests that fail the
// local checks, do not ask. A plan the received plans lack is the quota
// service's to judge: it may be newer than them.
func TestTheQuotaServiceAdmitsNamespaceCounts(t *testing.T) {
	quota := &fakeAdmission{max: 2}
	s := service(t, quota)
	ctx := context.Background()
	if _, err := s.Create(ctx, &provisioningv1.Tenant{Name: "acme", Plan: "standard", Namespaces: namespaces("web")}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddNamespace(ctx, "acme", "jobs"); err != nil {
		t.Fatal(err)
	}
	_, err := s.AddNamespace(ctx, "acme", "more")
	if st, _ := status.FromError(err); st.Code() != codes.ResourceExhausted || !strings.Contains(st.Message(), "allows 2") {
		t.Errorf("third namespace: %v, want the quota service's RESOURCE_EXHAUSTED as is", err)
	}
	if got, _ := apierror.Status(err); got.Code() != codes.ResourceExhausted {
		t.Errorf("mapped for the caller: %v", got)
	}
	if _, err := s.Update(ctx, &provisioningv1.Tenant{Name: "acme", DisplayName: "Acme"}, []string{"display_name"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, &provisioningv1.Tenant{Name: "acme", Plan: "enterprise"}, []string{"plan"}); err != nil {
		t.Fatal(err)
	}
	want := []string{"acme/standard/1", "acme/standard/2", "acme/standard/3", "acme/enterprise/2"}
	if got := quota.calls(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("asked %v, want %v", got, want)
	}

	_, err = s.Create(ctx, &provisioningv1.Tenant{Name: "bad", Plan: "platinum"}, "")
	if st, _ := apierror.Status(err); st.Code() != codes.InvalidArgument || !strings.Contains(err.Error(), "[enterprise free isolated standard]") {
		t.Errorf("unknown plan: %v, want the quota service's INVALID_ARGUMENT listing the plans", err)
	}
	if got := quota.calls(); got[len(got)-1] != "bad/platinum/0" {
		t.Errorf("a plan the received plans lack was not asked of the quota service: %v", got)
	}
	before := len(quota.calls())
	if _, err := s.Create(ctx, &provisioningv1.Tenant{Name: "dup", Plan: "free", Namespaces: namespaces("a", "a")}, ""); err == nil {
		t.Error("a duplicate namespace is accepted")
	}
	if len(quota.calls()) != before {
		t.Errorf("the quota service was asked about requests that fail locally: %v", quota.calls()[before:])
	}
}
