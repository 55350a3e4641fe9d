package plans

import (
	"testing"

	"google.golang.org/protobuf/proto"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
)

func TestBudgetAppliesOverridesFloorAndShares(t *testing.T) {
	p := defaultPlan(t, "standard")
	p.NamespaceMinimum = map[string]string{
		"pods":                  "5",
		"requests.cpu":          "0.5m", // rounds up to 1 millicore
		"count/configmaps":      "3",    // above the floor of 1
		"count/serviceaccounts": "0",    // the floor of 1 wins
	}
	delete(p.NamespaceInitial, "pods")          // defaults to limit / namespaces
	p.NamespaceInitial["requests.memory"] = "1" // raised to the minimum below
	p.NamespaceMinimum["requests.memory"] = "1Mi"
	p.Budget["limits.cpu"] = "40.0005" // rounds down to 40 cores
	o := &quotav1.Overrides{
		Budget:        map[string]string{"pods": "1000", "count/rolebindings.rbac.authorization.k8s.io": "6"},
		MaxNamespaces: proto.Int32(8),
	}
	b, err := Budget(p, o)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what      string
		got, want int64
	}{
		{"override wins", b.Limits["pods"], 1000},
		{"plan limit kept", b.Limits["requests.cpu"], 20_000},
		{"limit rounds down", b.Limits["limits.cpu"], 40_000},
		{"namespaces overridden", int64(b.MaxNamespaces), 8},
		{"plan minimum", b.Min["pods"], 5},
		{"minimum rounds up", b.Min["requests.cpu"], 1},
		{"minimum above floor", b.Min["count/configmaps"], 3},
		{"floor above minimum", b.Min["count/serviceaccounts"], 1},
		{"floor without minimum", b.Min["count/networkpolicies.networking.k8s.io"], 1},
		{"floor under an overridden limit", b.Min["count/rolebindings.rbac.authorization.k8s.io"], 4},
		{"initial defaults to limit / namespaces", b.Initial["pods"], 125},
		{"plan initial", b.Initial["requests.cpu"], 4_000},
		{"initial at least the minimum", b.Initial["requests.memory"], 1 << 20},
		{"initial at most the limit", b.Initial["count/rolebindings.rbac.authorization.k8s.io"], 6},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.what, c.got, c.want)
		}
	}
	// A limit below the floor caps the minimum rather than failing.
	o.Budget["count/rolebindings.rbac.authorization.k8s.io"] = "2"
	if b, err = Budget(p, o); err != nil || b.Min["count/rolebindings.rbac.authorization.k8s.io"] != 2 {
		t.Errorf("capped floor: %v, %v", b.Min, err)
	}
}

func TestBudgetRefusesBadOverrides(t *testing.T) {
	p := defaultPlan(t, "free")
	_, err := Budget(p, &quotav1.Overrides{
		Budget:        map[string]string{"requests.nvidia.com/gpu": "1", "widgets": "1", "cpu": "2", "pods": "-3"},
		MaxNamespaces: proto.Int32(0),
	})
	wantViolation(t, err, `overrides.budget["requests.nvidia.com/gpu"]`, "not in the plan's budget")
	wantViolation(t, err, `overrides.budget["widgets"]`, "unknown resource name")
	wantViolation(t, err, `overrides.budget["cpu"]`, "alias")
	wantViolation(t, err, `overrides.budget["pods"]`, "must not be negative")
	wantViolation(t, err, "overrides.max_namespaces", "between 1 and 1000")
}

func TestValidateOverrides(t *testing.T) {
	p := defaultPlan(t, "free")
	ok := &quotav1.Overrides{Budget: map[string]string{"pods": "40"}, MaxNamespaces: proto.Int32(3), RateLimit: &quotav1.RateLimit{RequestsPerSecond: 1, Burst: 1}}
	if err := ValidateOverrides(ok, p); err != nil {
		t.Fatal(err)
	}
	if err := ValidateOverrides(nil, p); err != nil {
		t.Fatal(err)
	}
	// free has 20 role bindings: 6 namespaces need 24.
	err := ValidateOverrides(&quotav1.Overrides{MaxNamespaces: proto.Int32(6)}, p)
	wantViolation(t, err, "overrides.max_namespaces", "below 24")
	err = ValidateOverrides(&quotav1.Overrides{Budget: map[string]string{"count/configmaps": "0"}, RateLimit: &quotav1.RateLimit{Burst: 5}}, p)
	wantViolation(t, err, `overrides.budget["count/configmaps"]`, "below 1")
	wantViolation(t, err, "overrides.rate_limit.requests_per_second", "above 0")
	err = ValidateOverrides(&quotav1.Overrides{Budget: map[string]string{"pods": "x"}}, p)
	wantViolation(t, err, `overrides.budget["pods"]`, "not a quantity")
}
