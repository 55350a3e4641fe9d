package plans

import (
	"testing"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
)

func TestValidateReportsEachProblemAtItsField(t *testing.T) {
	cases := []struct {
		name        string
		edit        func(p *quotav1.Plan)
		field, desc string
	}{
		{"malformed quantity", func(p *quotav1.Plan) { p.Budget["requests.cpu"] = "four" },
			`plan.budget["requests.cpu"]`, "not a quantity"},
		{"negative", func(p *quotav1.Plan) { p.Budget["pods"] = "-1" },
			`plan.budget["pods"]`, "must not be negative"},
		{"too large", func(p *quotav1.Plan) { p.Budget["requests.cpu"] = "10P" },
			`plan.budget["requests.cpu"]`, "too large"},
		{"unknown resource name", func(p *quotav1.Plan) { p.Budget["requests.gpu"] = "1" },
			`plan.budget["requests.gpu"]`, "unknown resource name"},
		{"kubernetes.io extended resource", func(p *quotav1.Plan) { p.Budget["requests.kubernetes.io/gpu"] = "1" },
			`plan.budget["requests.kubernetes.io/gpu"]`, "unknown resource name"},
		{"upper-case count", func(p *quotav1.Plan) { p.Budget["count/Widgets.example.com"] = "1" },
			`plan.budget["count/Widgets.example.com"]`, "unknown resource name"},
		{"bare cpu alias", func(p *quotav1.Plan) { p.Budget["cpu"] = "4" },
			`plan.budget["cpu"]`, "alias of requests.cpu"},
		{"bare ephemeral-storage alias", func(p *quotav1.Plan) { p.Budget["ephemeral-storage"] = "4Gi" },
			`plan.budget["ephemeral-storage"]`, "alias of requests.ephemeral-storage"},
		{"missing required", func(p *quotav1.Plan) { delete(p.Budget, "count/secrets") },
			`plan.budget["count/secrets"]`, "required"},
		{"minimum above budget", func(p *quotav1.Plan) { p.NamespaceMinimum = map[string]string{"pods": "251"} },
			`plan.namespace_minimum["pods"]`, "above the budget"},
		{"minimum outside budget", func(p *quotav1.Plan) { p.NamespaceMinimum = map[string]string{"requests.nvidia.com/gpu": "1"} },
			`plan.namespace_minimum["requests.nvidia.com/gpu"]`, "not in the budget"},
		{"initial above budget", func(p *quotav1.Plan) { p.NamespaceInitial["requests.memory"] = "41Gi" },
			`plan.namespace_initial["requests.memory"]`, "above the budget"},
		{"initial below minimum", func(p *quotav1.Plan) { p.NamespaceMinimum = map[string]string{"pods": "60"} },
			`plan.namespace_initial["pods"]`, "below the namespace minimum"},
		{"no namespaces", func(p *quotav1.Plan) { p.MaxNamespaces = 0 },
			"plan.max_namespaces", "between 1 and 1000"},
		{"budget below max_namespaces × floor", func(p *quotav1.Plan) {
			p.Budget["count/rolebindings.rbac.authorization.k8s.io"] = "19"
			p.NamespaceInitial["count/rolebindings.rbac.authorization.k8s.io"] = "3"
		}, `plan.budget["count/rolebindings.rbac.authorization.k8s.io"]`, "below 20"},
		{"no container defaults", func(p *quotav1.Plan) { p.ContainerDefaults = nil },
			"plan.container_defaults", "required"},
		{"container default missing", func(p *quotav1.Plan) { delete(p.ContainerDefaults.Max, "ephemeral-storage") },
			`plan.container_defaults.max["ephemeral-storage"]`, "required"},
		{"container default for another resource", func(p *quotav1.Plan) { p.ContainerDefaults.Max["nvidia.com/gpu"] = "1" },
			`plan.container_defaults.max["nvidia.com/gpu"]`, "only cpu, memory and ephemeral-storage"},
		{"request above limit", func(p *quotav1.Plan) { p.ContainerDefaults.Request["cpu"] = "600m" },
			`plan.container_defaults.request["cpu"]`, "above the default limit"},
		{"limit above max", func(p *quotav1.Plan) { p.ContainerDefaults.Limit["memory"] = "9Gi" },
			`plan.container_defaults.limit["memory"]`, "above the maximum"},
		{"bad tier", func(p *quotav1.Plan) { p.ApiTier = "gold" }, "plan.api_tier", "one of"},
		{"no tier", func(p *quotav1.Plan) { p.ApiTier = "" }, "plan.api_tier", "one of"},
		{"bad egress", func(p *quotav1.Plan) { p.Egress = "Everywhere" }, "plan.egress", "Tenant, Internet or Open"},
		{"bad service type", func(p *quotav1.Plan) { p.ServiceTypes = []string{"LoadBalancer", "ClusterIP"} },
			"plan.service_types[1]", "NodePort, LoadBalancer or ExternalName"},
		{"duplicate service type", func(p *quotav1.Plan) { p.ServiceTypes = []string{"NodePort", "NodePort"} },
			"plan.service_types[1]", "duplicate"},
		{"bad runtime class", func(p *quotav1.Plan) { p.RuntimeClasses = []string{"gVisor"} },
			"plan.runtime_classes[0]", "RFC 1123"},
		{"duplicate runtime class", func(p *quotav1.Plan) { p.RuntimeClasses = []string{"kata", "gvisor", "kata"} },
			"plan.runtime_classes[2]", "duplicate"},
		{"zero rate", func(p *quotav1.Plan) { p.RateLimit.RequestsPerSecond = 0 },
			"plan.rate_limit.requests_per_second", "above 0"},
		{"zero burst", func(p *quotav1.Plan) { p.RateLimit.Burst = 0 }, "plan.rate_limit.burst", "between 1"},
		{"negative in flight", func(p *quotav1.Plan) { p.RateLimit.MaxInFlight = -1 }, "plan.rate_limit.max_in_flight", "between 0"},
		{"too many in flight", func(p *quotav1.Plan) { p.RateLimit.MaxInFlight = 100_001 }, "plan.rate_limit.max_in_flight", "between 0"},
		{"negative streams", func(p *quotav1.Plan) { p.RateLimit.MaxStreams = -1 }, "plan.rate_limit.max_streams", "between 0"},
		{"too many streams", func(p *quotav1.Plan) { p.RateLimit.MaxStreams = 10_001 }, "plan.rate_limit.max_streams", "and 10000"},
		{"bad name", func(p *quotav1.Plan) { p.Name = "Gold" }, "plan.name", "lower-case"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := defaultPlan(t, "standard")
			tc.edit(p)
			wantViolation(t, Validate(p), tc.field, tc.desc)
		})
	}
}

func TestValidateReportsEveryViolation(t *testing.T) {
	p := defaultPlan(t, "standard")
	p.Budget["pods"] = "lots"
	p.Egress = "Nowhere"
	delete(p.ContainerDefaults.Request, "cpu")
	got := fieldsOf(t, Validate(p))
	for _, f := range []string{`plan.budget["pods"]`, "plan.egress", `plan.container_defaults.request["cpu"]`} {
		if _, ok := got[f]; !ok {
			t.Errorf("violations %v lack %s", got, f)
		}
	}
}

func TestValidateAcceptsEveryKindOfResourceName(t *testing.T) {
	p := defaultPlan(t, "standard")
	for _, r := range []string{
		"count/widgets.example.com", "count/persistentvolumeclaims",
		"gold.storageclass.storage.k8s.io/requests.storage", "gold.storageclass.storage.k8s.io/persistentvolumeclaims",
		"requests.nvidia.com/gpu",
	} {
		p.Budget[r] = "10"
	}
	p.NamespaceMinimum = map[string]string{"requests.nvidia.com/gpu": "1"}
	p.Egress, p.ServiceTypes = "Open", []string{"NodePort", "ExternalName"}
	if err := Validate(p); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"gold.storageclass.storage.k8s.io/limits.storage", "requests.gpu", "count/", "hugepages-2Mi", "limits.nvidia.com/gpu"} {
		if knownResource(bad) {
			t.Errorf("%s is known", bad)
		}
	}
}
