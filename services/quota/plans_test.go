package quota_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
)

// A plan change reaches every tenant on the plan; an override wins over
// the plan for its tenant only; the namespace count is enforced when a
// namespace is added, naming the limit.
func TestPlanChangesOverridesAndNamespaceLimit(t *testing.T) {
	e := started(t)
	e.plan(t, "tier", 2, map[string]string{"requests.cpu": "2"})
	e.tenant(t, "tier-one", "tier", "a")
	e.tenant(t, "tier-two", "tier", "a")

	got, err := e.plans.GetPlan(e.Admin, &quotav1.GetPlanRequest{Name: "tier"})
	if err != nil {
		t.Fatal(err)
	}
	p := got.GetPlan()
	p.Budget["requests.cpu"] = "6"
	if _, err := e.plans.UpdatePlan(e.Admin, &quotav1.UpdatePlanRequest{Plan: p, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"budget"}}}); err != nil {
		t.Fatal(err)
	}
	e.waitBudget(t, "tier-one", "requests.cpu", "6")
	e.waitBudget(t, "tier-two", "requests.cpu", "6")

	// The extra namespace: refused by the plan, admitted by an override.
	_, err = e.tenants.CreateNamespace(e.Admin, &provisioningv1.CreateNamespaceRequest{Tenant: "tier-one", Namespace: &provisioningv1.Namespace{Name: "b"}})
	if err != nil {
		t.Fatalf("second namespace within the plan's 2: %v", err)
	}
	_, err = e.tenants.CreateNamespace(e.Admin, &provisioningv1.CreateNamespaceRequest{Tenant: "tier-one", Namespace: &provisioningv1.Namespace{Name: "c"}})
	if status.Code(err) != codes.ResourceExhausted || !strings.Contains(status.Convert(err).Message(), "namespaces") {
		t.Fatalf("third namespace on a plan of 2: %v, want RESOURCE_EXHAUSTED naming the namespace limit", err)
	}
	three := int32(3)
	q, err := e.quotas.UpdateTenantQuota(e.Admin, &quotav1.UpdateTenantQuotaRequest{Tenant: "tier-one",
		Overrides:  &quotav1.Overrides{Budget: map[string]string{"requests.cpu": "1500m", "count/secrets": "2k"}, MaxNamespaces: &three},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"budget", "max_namespaces"}}})
	if err != nil {
		t.Fatal(err)
	}
	// Counts read as numbers, not quantities ("2000", not "2k").
	if b := q.GetQuota().GetBudget(); b["requests.cpu"] != "1500m" || b["count/secrets"] != "2000" || q.GetQuota().GetMaxNamespaces() != 3 {
		t.Errorf("overridden quota: %v", q.GetQuota())
	}
	if _, err = e.tenants.CreateNamespace(e.Admin, &provisioningv1.CreateNamespaceRequest{Tenant: "tier-one", Namespace: &provisioningv1.Namespace{Name: "c"}}); err != nil {
		t.Fatalf("third namespace with an override of 3: %v", err)
	}
	e.waitBudget(t, "tier-two", "requests.cpu", "6") // the other tenant keeps the plan's
	// tier-one's namespaces together hold at most the overridden 1.5 CPU.
	devclustertest.Eventually(t, 30*time.Second, func() error {
		sum, err := e.hardSum("requests.cpu", "tier-one-a", "tier-one-b", "tier-one-c")
		if err != nil {
			return err
		}
		if sum.Cmp(resource.MustParse("1500m")) > 0 {
			return fmt.Errorf("tier-one's quotas sum to %s CPU, above the override's 1500m", sum.String())
		}
		return nil
	})

	// A plan in use cannot be deleted; nothing changes.
	_, err = e.plans.DeletePlan(e.Admin, &quotav1.DeletePlanRequest{Name: "tier"})
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(status.Convert(err).Message(), "tier-one") {
		t.Errorf("delete a plan in use: %v, want FAILED_PRECONDITION naming its tenants", err)
	}
	if _, err := e.plans.GetPlan(e.Admin, &quotav1.GetPlanRequest{Name: "tier"}); err != nil {
		t.Errorf("plan gone after a refused delete: %v", err)
	}
}

// waitBudget waits until a tenant's budget of resource is want.
func (e *env) waitBudget(t *testing.T, tenant, resourceName, want string) {
	t.Helper()
	devclustertest.Eventually(t, 30*time.Second, func() error {
		q, err := e.quotas.GetTenantQuota(e.Admin, &quotav1.GetTenantQuotaRequest{Tenant: tenant})
		if err != nil {
			return err
		}
		if got := q.GetQuota().GetBudget()[resourceName]; got != want {
			return fmt.Errorf("%s's budget of %s is %q, want %q", tenant, resourceName, got, want)
		}
		return nil
	})
}

// hardSum sums spec.hard of resource over the namespaces' quotas.
func (e *env) hardSum(resourceName string, namespaces ...string) (resource.Quantity, error) {
	var sum resource.Quantity
	for _, ns := range namespaces {
		rq, err := e.kube.CoreV1().ResourceQuotas(ns).Get(context.Background(), "landlord-quota", metav1.GetOptions{})
		if err != nil {
			return sum, err
		}
		sum.Add(rq.Spec.Hard[corev1.ResourceName(resourceName)])
	}
	return sum, nil
}

// Bad plans and overrides are refused with the field, and nothing of them
// is stored.
func TestBadPlansAndOverridesAreRefused(t *testing.T) {
	e := started(t)
	base, err := e.plans.GetPlan(e.Admin, &quotav1.GetPlanRequest{Name: "standard"})
	if err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]struct {
		key, value, field string
	}{
		"negative":   {"requests.cpu", "-1", `budget["requests.cpu"]`},
		"malformed":  {"requests.memory", "lots", `budget["requests.memory"]`},
		"unknown":    {"widgets", "3", `budget["widgets"]`},
		"bare alias": {"cpu", "3", `budget["cpu"]`},
		"huge":       {"pods", "1e30", `budget["pods"]`},
	} {
		p := base.GetPlan()
		p.Name, p.Etag = "bad-"+strings.ReplaceAll(name, " ", "-"), ""
		p.Budget = map[string]string{}
		for k, v := range base.GetPlan().GetBudget() {
			p.Budget[k] = v
		}
		p.Budget[change.key] = change.value
		_, err := e.plans.CreatePlan(e.Admin, &quotav1.CreatePlanRequest{Plan: p})
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(fieldsOf(err), change.field) {
			t.Errorf("%s: %v (fields %s), want INVALID_ARGUMENT on %s", name, err, fieldsOf(err), change.field)
		}
		if _, err := e.plans.GetPlan(e.Admin, &quotav1.GetPlanRequest{Name: p.Name}); status.Code(err) != codes.NotFound {
			t.Errorf("%s: refused plan was stored: %v", name, err)
		}
	}
	e.plan(t, "bad-over", 2, nil)
	e.tenant(t, "bad-over", "bad-over", "a")
	_, err = e.quotas.UpdateTenantQuota(e.Admin, &quotav1.UpdateTenantQuotaRequest{Tenant: "bad-over",
		Overrides: &quotav1.Overrides{Budget: map[string]string{"requests.cpu": "-2"}}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"budget"}}})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("negative override: %v", err)
	}
	q, err := e.quotas.GetTenantQuota(e.Admin, &quotav1.GetTenantQuotaRequest{Tenant: "bad-over"})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.GetQuota().GetOverrides().GetBudget()) != 0 {
		t.Errorf("a refused override was stored: %v", q.GetQuota().GetOverrides())
	}
	_, err = e.quotas.UpdateTenantQuota(e.Admin, &quotav1.UpdateTenantQuotaRequest{Tenant: "bad-over", Etag: "stale",
		Overrides: &quotav1.Overrides{Budget: map[string]string{"requests.cpu": "1"}}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"budget"}}})
	if status.Code(err) != codes.Aborted {
		t.Errorf("override with a stale etag: %v, want ABORTED", err)
	}
	_, err = e.quotas.UpdateTenantQuota(e.Admin, &quotav1.UpdateTenantQuotaRequest{Tenant: "no-such-tenant",
		Overrides: &quotav1.Overrides{}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"budget"}}})
	if status.Code(err) != codes.NotFound {
		t.Errorf("override of an unknown tenant: %v, want NOT_FOUND", err)
	}
}

// fieldsOf lists the fields an INVALID_ARGUMENT status names.
func fieldsOf(err error) string {
	var fields []string
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fields = append(fields, v.GetField())
			}
		}
	}
	return strings.Join(fields, " ") + " " + status.Convert(err).Message()
}

// Members read their own tenant's quota and nothing else; only platform
// admins change plans and overrides.
func TestQuotaIsShownToMembersOnly(t *testing.T) {
	e := started(t)
	e.plan(t, "seen", 2, nil)
	e.tenant(t, "seen-a", "seen", "x")
	e.tenant(t, "seen-b", "seen", "x")
	member := e.Member(t, "seen-viewer", "seen-a", identityv1.Role_ROLE_VIEWER)
	if _, err := e.quotas.GetTenantQuota(member, &quotav1.GetTenantQuotaRequest{Tenant: "seen-a"}); err != nil {
		t.Errorf("member reads its tenant's quota: %v", err)
	}
	for _, tenant := range []string{"seen-b", "no-such-tenant"} {
		_, err := e.quotas.GetTenantQuota(member, &quotav1.GetTenantQuotaRequest{Tenant: tenant})
		if status.Code(err) != codes.NotFound {
			t.Errorf("member reads %s's quota: %v, want NOT_FOUND", tenant, err)
		}
		stream, err := e.quotas.WatchTenantQuota(member, &quotav1.WatchTenantQuotaRequest{Tenant: tenant})
		if err == nil {
			_, err = stream.Recv()
		}
		if status.Code(err) != codes.NotFound {
			t.Errorf("member watches %s's quota: %v, want NOT_FOUND", tenant, err)
		}
	}
	_, err := e.quotas.UpdateTenantQuota(member, &quotav1.UpdateTenantQuotaRequest{Tenant: "seen-a",
		Overrides: &quotav1.Overrides{Budget: map[string]string{"requests.cpu": "100"}}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"budget"}}})
	if status.Code(err) != codes.PermissionDenied {
		t.Errorf("member raises its own budget: %v, want PERMISSION_DENIED", err)
	}
	_, err = e.plans.DeletePlan(member, &quotav1.DeletePlanRequest{Name: "seen"})
	if status.Code(err) != codes.PermissionDenied {
		t.Errorf("member deletes a plan: %v, want PERMISSION_DENIED", err)
	}
	if _, err := e.plans.ListPlans(member, &quotav1.ListPlansRequest{}); err != nil {
		t.Errorf("member lists plans: %v", err)
	}
	ctx, cancel := context.WithTimeout(member, 5*time.Second)
	defer cancel()
	stream, err := e.quotas.WatchTenantQuota(ctx, &quotav1.WatchTenantQuotaRequest{Tenant: "seen-a"})
	if err != nil {
		t.Fatal(err)
	}
	first, err := stream.Recv()
	if err != nil || first.GetQuota().GetTenant() != "seen-a" || len(first.GetQuota().GetNamespaces()) != 1 {
		t.Errorf("watch own quota: %v %v", first, err)
	}
}
