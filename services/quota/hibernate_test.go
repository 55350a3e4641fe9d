package quota_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	"github.com/landlord-dev/landlord/services/quota/bench"
)

// Hibernating a tenant gives its headroom back to its budget: each
// namespace keeps what it uses and a small reserve, in the cluster too;
// waking gives the namespaces their shares back.
func TestHibernationReturnsHeadroomAndWakeTakesItBack(t *testing.T) {
	e := started(t)
	e.plan(t, "dozing", 2, map[string]string{"requests.cpu": "2", "limits.cpu": "2"})
	e.tenant(t, "dozing", "dozing", "a", "b")
	ctx := context.Background()
	for i := range 3 {
		if _, err := e.kube.CoreV1().Pods("dozing-a").Create(ctx, bench.Pod(fmt.Sprintf("p%d", i), 100), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	cpu := func(q *quotav1.TenantQuota) map[string]int64 {
		out := map[string]int64{}
		for _, n := range q.GetNamespaces() {
			v := resource.MustParse(n.GetHard()["requests.cpu"])
			out[n.GetName()] = v.MilliValue()
		}
		return out
	}
	quota := func(want func(q *quotav1.TenantQuota) error) *quotav1.TenantQuota {
		t.Helper()
		var q *quotav1.TenantQuota
		devclustertest.Eventually(t, 30*time.Second, func() error {
			resp, err := e.quotas.GetTenantQuota(e.Admin, &quotav1.GetTenantQuotaRequest{Tenant: "dozing"})
			if err != nil {
				return err
			}
			q = resp.GetQuota()
			for _, n := range q.GetNamespaces() {
				if !n.GetApplied() {
					return fmt.Errorf("%s's quota not applied yet", n.GetName())
				}
			}
			return want(q)
		})
		return q
	}
	awake := cpu(quota(func(q *quotav1.TenantQuota) error {
		if u := resource.MustParse(q.GetUsed()["requests.cpu"]); u.MilliValue() != 300 {
			return fmt.Errorf("used %s CPU, want the 300m of the pods", u.String())
		}
		return nil
	}))

	if _, err := e.tenants.HibernateTenant(e.Admin, &provisioningv1.HibernateTenantRequest{Name: "dozing"}); err != nil {
		t.Fatal(err)
	}
	asleep := cpu(quota(func(q *quotav1.TenantQuota) error {
		c := cpu(q)
		// Usage (300m in a, none in b) and a reserve: far below the shares.
		if !q.GetHibernated() || c["dozing-a"] < 300 || c["dozing-a"] >= awake["dozing-a"] || c["dozing-b"] >= awake["dozing-b"] {
			return fmt.Errorf("hibernated %v, CPU hard %v; awake it was %v", q.GetHibernated(), c, awake)
		}
		return nil
	}))
	t.Logf("requests.cpu hard awake %v, asleep %v", awake, asleep)
	if got := requestedCPU(t, e.kube, "dozing-a"); got != 300 {
		t.Errorf("pods ask for %dm after hibernation, want the 300m they held: nothing is evicted", got)
	}

	if _, err := e.tenants.WakeTenant(e.Admin, &provisioningv1.WakeTenantRequest{Name: "dozing"}); err != nil {
		t.Fatal(err)
	}
	quota(func(q *quotav1.TenantQuota) error {
		c := cpu(q)
		if q.GetHibernated() || c["dozing-a"] < awake["dozing-a"] || c["dozing-b"] < awake["dozing-b"] {
			return fmt.Errorf("woken: hibernated %v, CPU hard %v, want at least %v again", q.GetHibernated(), c, awake)
		}
		return nil
	})
}
