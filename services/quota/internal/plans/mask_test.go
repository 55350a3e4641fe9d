package plans

import (
	"testing"

	"google.golang.org/protobuf/proto"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
)

func TestApplyPlanMaskCopiesNamedFieldsOnly(t *testing.T) {
	stored := defaultPlan(t, "standard")
	in := &quotav1.Plan{
		Name: "other", Description: "new", Budget: map[string]string{"pods": "1"},
		ServiceTypes: []string{"NodePort"}, RateLimit: &quotav1.RateLimit{RequestsPerSecond: 7, Burst: 7},
	}
	out, err := ApplyPlanMask(stored, in, []string{"description", "service_types", "rate_limit", "runtime_classes"})
	if err != nil {
		t.Fatal(err)
	}
	want := proto.CloneOf(stored)
	want.Description, want.ServiceTypes, want.RateLimit = "new", []string{"NodePort"}, &quotav1.RateLimit{RequestsPerSecond: 7, Burst: 7}
	if !proto.Equal(out, want) {
		t.Errorf("masked plan:\n%v\nwant\n%v", out, want)
	}
	// The result shares nothing with either input.
	in.ServiceTypes[0], in.RateLimit.Burst = "LoadBalancer", 9
	if out.GetServiceTypes()[0] != "NodePort" || out.GetRateLimit().GetBurst() != 7 || stored.GetDescription() == "new" {
		t.Error("the result aliases an input")
	}
	for _, paths := range [][]string{nil, {"name"}, {"etag"}, {"create_time"}, {"budget.pods"}, {"description", "colour"}} {
		_, err := ApplyPlanMask(stored, in, paths)
		wantViolation(t, err, "update_mask", "")
	}
}

func TestApplyOverridesMask(t *testing.T) {
	stored := &quotav1.Overrides{Budget: map[string]string{"pods": "9"}, MaxNamespaces: proto.Int32(4)}
	out, err := ApplyOverridesMask(stored, &quotav1.Overrides{RateLimit: &quotav1.RateLimit{RequestsPerSecond: 1, Burst: 2}}, []string{"max_namespaces", "rate_limit"})
	if err != nil {
		t.Fatal(err)
	}
	if out.MaxNamespaces != nil || out.GetRateLimit().GetBurst() != 2 || out.GetBudget()["pods"] != "9" || stored.GetMaxNamespaces() != 4 {
		t.Errorf("masked overrides: %v (stored %v)", out, stored)
	}
	if out, err = ApplyOverridesMask(nil, &quotav1.Overrides{MaxNamespaces: proto.Int32(2)}, []string{"max_namespaces"}); err != nil || out.GetMaxNamespaces() != 2 {
		t.Errorf("from nothing: %v, %v", out, err)
	}
	_, err = ApplyOverridesMask(stored, stored, []string{"description"})
	wantViolation(t, err, "update_mask", "cannot be updated")
}
