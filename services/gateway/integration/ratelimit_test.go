package integration

import (
	"net/http"
	"strconv"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/quota/bench"
)

// planWithLimit creates plan name: "standard" with the gateway limits of
// limit.
func (e *env) planWithLimit(t *testing.T, name string, limit *quotav1.RateLimit) {
	t.Helper()
	conn, err := e.stack.Dial(e.stack.Quota.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	plans := quotav1.NewPlanServiceClient(conn)
	base, err := plans.GetPlan(e.stack.Admin, &quotav1.GetPlanRequest{Name: "standard"}, grpc.WaitForReady(true))
	if err != nil {
		t.Fatal(err)
	}
	p := proto.Clone(base.GetPlan()).(*quotav1.Plan)
	p.Name, p.Etag, p.CreateTime, p.UpdateTime = name, "", nil, nil
	p.RateLimit = limit
	if _, err := plans.CreatePlan(e.stack.Admin, &quotav1.CreatePlanRequest{Plan: p}); err != nil {
		t.Fatal(err)
	}
}

func TestBurstingATenantOnATinyPlanGets429(t *testing.T) {
	e := started(t)
	// One request per ten seconds, and a burst of three.
	e.planWithLimit(t, "gw-tiny", &quotav1.RateLimit{RequestsPerSecond: 0.1, Burst: 3})
	conn, err := e.stack.Dial(e.stack.Provisioning.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := bench.CreateTenant(e.stack.Admin, provisioningClient(conn), slow, "gw-tiny"); err != nil {
		t.Fatal(err)
	}
	// An outsider spends the outsiders' bucket only: 429 for them...
	outsider := e.user(t, "gw-outsider")
	var outsiders []int
	for range 4 {
		outsiders = append(outsiders, e.call(t, http.MethodGet, "/v1/tenants/"+slow, outsider, nil).code)
	}
	if outsiders[3] != http.StatusTooManyRequests || outsiders[0] != http.StatusNotFound {
		t.Errorf("outsider: %v, want 404s then 429", outsiders)
	}
	// ...while the admin still has the tenant's whole burst.
	var codes []int
	var last response
	for range 4 {
		last = e.call(t, http.MethodGet, "/v1/tenants/"+slow, e.admin, nil)
		codes = append(codes, last.code)
	}
	if codes[0] != http.StatusOK || codes[2] != http.StatusOK || codes[3] != http.StatusTooManyRequests {
		t.Fatalf("codes %v: want the burst of 3 served, the fourth 429", codes)
	}
	if ra, err := strconv.Atoi(last.header.Get("Retry-After")); err != nil || ra < 1 || ra > 10 {
		t.Errorf("Retry-After %q: want 1 to 10 s", last.header.Get("Retry-After"))
	}
	if last.json(t)["code"] != float64(8) || reason(t, last) != "ERROR_REASON_RATE_LIMITED" {
		t.Errorf("429 body: %s", last.body)
	}
	// Other paths, and other tenants, are not limited by gw-slow's bucket.
	if r := e.call(t, http.MethodGet, "/v1/plans/gw-tiny", e.admin, nil); r.code != http.StatusOK {
		t.Errorf("GET /v1/plans/gw-tiny after the burst: %d %s", r.code, r.body)
	}
}

func provisioningClient(conn grpc.ClientConnInterface) provisioningv1.TenantServiceClient {
	return provisioningv1.NewTenantServiceClient(conn)
}
