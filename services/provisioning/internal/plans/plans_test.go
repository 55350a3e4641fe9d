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
	for name, data := range map[string]string{
		"unknown field":   "plans:\n- name: x\n  maxNamespaces: 1\n  colour: red\n",
		"no namespaces":   "plans:\n- name: x\n  maxNamespaces: 0\n",
		"no nodeport cap": "plans:\n- name: x\n  maxNamespaces: 1\n  apiShares: 1\n  namespaceQuota: {pods: \"1\", services.loadbalancers: \"0\"}\n",
		"bad quantity":    "plans:\n- name: x\n  maxNamespaces: 1\n  namespaceQuota: {pods: lots}\n",
		"duplicate":       "plans:\n- {name: x, maxNamespaces: 1, apiShares: 1, namespaceQuota: {pods: \"1\", services.nodeports: \"0\", services.loadbalancers: \"0\"}}\n- {name: x, maxNamespaces: 1, apiShares: 1, namespaceQuota: {pods: \"1\", services.nodeports: \"0\", services.loadbalancers: \"0\"}}\n",
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
	const head = "plans:\n- name: x\n  maxNamespaces: 1\n  apiShares: 1\n  namespaceQuota: {pods: \"1\", services.nodeports: \"0\", services.loadbalancers: \"0\"}\n"
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
