package plans_test

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/landlord-dev/landlord/services/provisioning/internal/plans"
)

func TestBuiltinPlansParse(t *testing.T) {
	table, err := plans.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"free", "standard", "enterprise", "isolated"} {
		p := table[name]
		if p == nil {
			t.Fatalf("plan %s missing", name)
		}
		if np := p.NamespaceQuota[corev1.ResourceServicesNodePorts]; !np.IsZero() {
			t.Errorf("plan %s allows NodePort services", name)
		}
	}
}

func TestBadPlansAreRefused(t *testing.T) {
	if _, err := plans.Parse([]byte("plans:\n" + validPlan("x", ""))); err != nil {
		t.Fatalf("the valid plan is refused: %v", err)
	}
	for name, data := range map[string]string{
		"unknown field":   "plans:\n- name: x\n  maxNamespaces: 1\n  colour: red\n",
		"no namespaces":   "plans:\n- name: x\n  maxNamespaces: 0\n",
		"no nodeport cap": "plans:\n" + strings.Replace(validPlan("x", ""), "    services.nodeports: \"0\"\n", "", 1),
		"no role count":   "plans:\n" + strings.Replace(validPlan("x", ""), "    count/roles.rbac.authorization.k8s.io: \"1\"\n", "", 1),
		"bad quantity":    "plans:\n- name: x\n  maxNamespaces: 1\n  namespaceQuota: {pods: lots}\n",
		"duplicate":       "plans:\n" + validPlan("x", "") + validPlan("x", ""),
		"no max":          "plans:\n" + strings.Replace(validPlan("x", ""), "    max: {cpu: \"1\", memory: 1Gi, ephemeral-storage: 1Gi}\n", "", 1),
		"bad egress":      "plans:\n" + validPlan("x", "  egress: Everywhere\n"),
		"ClusterIP type":  "plans:\n" + validPlan("x", "  serviceTypes: [ClusterIP]\n"),
		"request > limit": "plans:\n" + strings.Replace(validPlan("x", ""), "request: {cpu: 10m,", "request: {cpu: 200m,", 1),
		"no apiShares":    "plans:\n" + strings.Replace(validPlan("x", ""), "  apiShares: 1\n", "", 1),
		"no name":         "plans:\n" + strings.Replace(validPlan("x", ""), "- name: x\n", "- maxNamespaces: 1\n", 1),
	} {
		if _, err := plans.Parse([]byte(data)); err == nil || !strings.Contains(err.Error(), "plan") {
			t.Errorf("%s: Parse = %v, want an error", name, err)
		}
	}
}

func TestRuntimeClasses(t *testing.T) {
	table, err := plans.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if got := table["isolated"].RuntimeClasses; !slices.Equal(got, []string{"gvisor", "kata"}) {
		t.Errorf("isolated runtime classes = %v", got)
	}
	if got := table["standard"].RuntimeClasses; len(got) != 0 {
		t.Errorf("standard runtime classes = %v, want none", got)
	}
	if !table["isolated"].NamespaceQuota.Pods().Equal(*table["standard"].NamespaceQuota.Pods()) {
		t.Error("isolated should have standard's limits")
	}
	head := "plans:\n" + validPlan("x", "")
	for name, rcs := range map[string]string{
		"comma":     "  runtimeClasses: [\"a,b\"]\n",
		"empty":     "  runtimeClasses: [\"\"]\n",
		"uppercase": "  runtimeClasses: [GVisor]\n",
		"duplicate": "  runtimeClasses: [gvisor, kata, gvisor]\n",
	} {
		if _, err := plans.Parse([]byte(head + rcs)); err == nil || !strings.Contains(err.Error(), "runtime class") {
			t.Errorf("%s: Parse = %v, want a runtime class error", name, err)
		}
	}
	if _, err := plans.Parse([]byte(head + "  runtimeClasses: [gvisor]\n")); err != nil {
		t.Errorf("good runtime classes refused: %v", err)
	}
}

// validPlan is a plan that bounds everything it must; extra adds lines.
func validPlan(name, extra string) string {
	var b strings.Builder
	b.WriteString("- name: " + name + "\n  maxNamespaces: 1\n  apiShares: 1\n" + extra + "  namespaceQuota:\n")
	for _, r := range plans.RequiredQuota {
		b.WriteString("    " + string(r) + ": \"" + map[bool]string{true: "0", false: "1"}[strings.HasPrefix(string(r), "services.")] + "\"\n")
	}
	b.WriteString("  containerDefaults:\n    request: {cpu: 10m, memory: 10Mi, ephemeral-storage: 10Mi}\n" +
		"    limit: {cpu: 100m, memory: 100Mi, ephemeral-storage: 100Mi}\n    max: {cpu: \"1\", memory: 1Gi, ephemeral-storage: 1Gi}\n")
	return b.String()
}

// The built-in table is what tenants get: each plan's container defaults
// are a valid LimitRange (request <= limit <= max), its quota leaves room
// for what Landlord and the cluster put in every namespace, and a plan
// without an egress setting gets Internet.
func TestBuiltinTableFitsWhatEveryNamespaceHolds(t *testing.T) {
	table, err := plans.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	// Landlord's 4 role bindings and 1 network policy; the cluster's
	// default service account and root CA config map.
	own := map[corev1.ResourceName]int64{
		"count/rolebindings.rbac.authorization.k8s.io": 4, "count/networkpolicies.networking.k8s.io": 1,
		"count/serviceaccounts": 1, "count/configmaps": 1,
	}
	for name, p := range table {
		if p.Name != name || p.MaxNamespaces < 1 || p.APIShares < 1 {
			t.Errorf("plan %s: name %q, maxNamespaces %d, apiShares %d", name, p.Name, p.MaxNamespaces, p.APIShares)
		}
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
			req, limit, max := p.ContainerDefaults.Request[r], p.ContainerDefaults.Limit[r], p.ContainerDefaults.Max[r]
			if req.Cmp(limit) > 0 || limit.Cmp(max) > 0 {
				t.Errorf("plan %s %s: request %s, limit %s, max %s", name, r, req.String(), limit.String(), max.String())
			}
		}
		for r, n := range own {
			if q := p.NamespaceQuota[r]; q.Value() < n {
				t.Errorf("plan %s: %s is %s, below the %d every namespace holds", name, r, q.String(), n)
			}
		}
		if p.Egress == "" {
			t.Errorf("plan %s: egress left unset", name)
		}
	}
	parsed, err := plans.Parse([]byte("plans:\n" + validPlan("x", "")))
	if err != nil {
		t.Fatal(err)
	}
	if got := parsed["x"].Egress; got != plans.EgressInternet {
		t.Errorf("unset egress = %q, want Internet", got)
	}
}
