package plans_test

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans/planstest"
)

func validProto() *quotav1.Plan {
	return &quotav1.Plan{
		Name: "x", ApiTier: "standard", Budget: map[string]string{"pods": "10"}, MaxNamespaces: 3,
		ContainerDefaults: &quotav1.ContainerDefaults{
			Request: map[string]string{"cpu": "10m", "memory": "10Mi"},
			Limit:   map[string]string{"cpu": "100m", "memory": "100Mi"},
			Max:     map[string]string{"cpu": "1", "memory": "1Gi"},
		},
		ServiceTypes: []string{"LoadBalancer"}, RuntimeClasses: []string{"gvisor"}, Egress: "Tenant",
	}
}

func TestFromProto(t *testing.T) {
	p, err := plans.FromProto(validProto())
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "x" || p.APITier != "standard" || p.Egress != plans.EgressTenant {
		t.Errorf("plan = %+v", p)
	}
	if want := resource.MustParse("100Mi"); !p.ContainerDefaults.Limit.Memory().Equal(want) {
		t.Errorf("default memory limit = %s", p.ContainerDefaults.Limit.Memory())
	}
	if !slices.Equal(p.ServiceTypes, []corev1.ServiceType{corev1.ServiceTypeLoadBalancer}) || !slices.Equal(p.RuntimeClasses, []string{"gvisor"}) {
		t.Errorf("service types %v, runtime classes %v", p.ServiceTypes, p.RuntimeClasses)
	}

	unset := validProto()
	unset.Egress, unset.ContainerDefaults = "", nil
	if p, err := plans.FromProto(unset); err != nil || p.Egress != plans.EgressInternet || p.ContainerDefaults.Max != nil {
		t.Errorf("unset egress and defaults: %+v, %v; want Internet and no defaults", p, err)
	}
}

func TestFromProtoRefusesWhatWouldReachTheClusterWrong(t *testing.T) {
	for name, change := range map[string]func(*quotav1.Plan){
		"no name":              func(p *quotav1.Plan) { p.Name = "" },
		"bad quantity":         func(p *quotav1.Plan) { p.ContainerDefaults.Max["cpu"] = "lots" },
		"bad request quantity": func(p *quotav1.Plan) { p.ContainerDefaults.Request["memory"] = "1 GB" },
		"bad egress":           func(p *quotav1.Plan) { p.Egress = "Everywhere" },
		"ClusterIP type":       func(p *quotav1.Plan) { p.ServiceTypes = []string{"ClusterIP"} },
		"runtime class comma":  func(p *quotav1.Plan) { p.RuntimeClasses = []string{"a,b"} },
		"runtime class empty":  func(p *quotav1.Plan) { p.RuntimeClasses = []string{""} },
		"runtime class upper":  func(p *quotav1.Plan) { p.RuntimeClasses = []string{"GVisor"} },
		"runtime class twice":  func(p *quotav1.Plan) { p.RuntimeClasses = []string{"kata", "kata"} },
	} {
		p := validProto()
		change(p)
		if _, err := plans.FromProto(p); err == nil || !strings.Contains(err.Error(), "plan") {
			t.Errorf("%s: FromProto = %v, want an error naming the plan", name, err)
		}
	}
}

func TestTableIsASource(t *testing.T) {
	var src plans.Source = planstest.Table()
	if got := src.Names(); !slices.Equal(got, []string{"enterprise", "free", "isolated", "standard"}) {
		t.Errorf("names = %v", got)
	}
	if p, ok := src.Plan("isolated"); !ok || !slices.Equal(p.RuntimeClasses, []string{"gvisor", "kata"}) || p.Egress != plans.EgressTenant {
		t.Errorf("isolated = %+v, %v", p, ok)
	}
	if _, ok := src.Plan("platinum"); ok {
		t.Error("an unknown plan is found")
	}
	if _, ok := (plans.Table{"nil": nil}).Plan("nil"); ok {
		t.Error("a nil entry is a plan")
	}
}

// The fixture is what tests provision with: each plan's container defaults
// are a valid LimitRange (request <= limit <= max), and its namespace quota
// bounds every required resource and leaves room for what Landlord and the
// cluster put in every namespace.
func TestFixtureFitsWhatEveryNamespaceHolds(t *testing.T) {
	own := map[string]int64{
		"count/rolebindings.rbac.authorization.k8s.io": 4, "count/networkpolicies.networking.k8s.io": 1,
		"count/serviceaccounts": 1, "count/configmaps": 1,
	}
	for name, p := range planstest.Table() {
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
			req, limit, max := p.ContainerDefaults.Request[r], p.ContainerDefaults.Limit[r], p.ContainerDefaults.Max[r]
			if req.IsZero() || req.Cmp(limit) > 0 || limit.Cmp(max) > 0 {
				t.Errorf("plan %s %s: request %s, limit %s, max %s", name, r, req.String(), limit.String(), max.String())
			}
		}
		hard := planstest.NamespaceHard(name)
		for _, r := range planstest.RequiredQuota {
			if _, ok := hard[r]; !ok {
				t.Errorf("plan %s: %s unbounded", name, r)
			}
		}
		for r, n := range own {
			if q := resource.MustParse(hard[r]); q.Value() < n {
				t.Errorf("plan %s: %s is %s, below the %d every namespace holds", name, r, q.String(), n)
			}
		}
		if hard["services.nodeports"] != "0" {
			t.Errorf("plan %s allows NodePort services", name)
		}
	}
}
