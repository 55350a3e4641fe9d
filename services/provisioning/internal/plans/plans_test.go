package plans_test

import (
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
	for _, name := range []string{"free", "standard", "enterprise"} {
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
