package quota_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/fieldmaskpb"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	"github.com/landlord-dev/landlord/services/quota/bench"
)

// Lowering a tenant's limit below what it uses evicts nothing: its pods
// stay, new ones are refused, and its quota shows it over the limit.
func TestLoweringALimitBelowUsageEvictsNothing(t *testing.T) {
	e := started(t)
	e.plan(t, "shrink", 2, map[string]string{"requests.cpu": "2", "limits.cpu": "2"})
	e.tenant(t, "shrink", "shrink", "a")
	ctx := context.Background()
	for i := range 5 {
		if _, err := e.kube.CoreV1().Pods("shrink-a").Create(ctx, bench.Pod(fmt.Sprintf("p%d", i), 100), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.quotas.UpdateTenantQuota(e.Admin, &quotav1.UpdateTenantQuotaRequest{Tenant: "shrink",
		Overrides: &quotav1.Overrides{Budget: map[string]string{"requests.cpu": "200m"}}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"budget"}}}); err != nil {
		t.Fatal(err)
	}
	devclustertest.Eventually(t, 30*time.Second, func() error {
		q, err := e.quotas.GetTenantQuota(e.Admin, &quotav1.GetTenantQuotaRequest{Tenant: "shrink"})
		if err != nil {
			return err
		}
		if !slices.Contains(q.GetQuota().GetOverLimit(), "requests.cpu") {
			return fmt.Errorf("over limit: %v, used %v, want requests.cpu", q.GetQuota().GetOverLimit(), q.GetQuota().GetUsed())
		}
		// Admission enforces status.hard: wait until the quota controller
		// has copied the lowered limit there.
		rq, err := e.kube.CoreV1().ResourceQuotas("shrink-a").Get(ctx, "landlord-quota", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if spec, st := rq.Spec.Hard[corev1.ResourceRequestsCPU], rq.Status.Hard[corev1.ResourceRequestsCPU]; spec.MilliValue() > 200 || st.MilliValue() > 200 {
			return fmt.Errorf("quota of shrink-a: spec %s, status %s CPU, want at most 200m", spec.String(), st.String())
		}
		return nil
	})
	if got := requestedCPU(t, e.kube, "shrink-a"); got != 500 {
		t.Errorf("pods ask for %dm after the limit fell below them, want the 500m they held: nothing is evicted", got)
	}
	_, err := e.kube.CoreV1().Pods("shrink-a").Create(ctx, bench.Pod("more", 100), metav1.CreateOptions{})
	if !bench.RefusedForQuota(err) {
		t.Errorf("a new pod over the lowered limit: %v, want refused for quota", err)
	}
}
