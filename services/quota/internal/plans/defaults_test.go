package plans

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
)

func TestDefaultsValidateAndConvert(t *testing.T) {
	defaults, err := Defaults()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range defaults {
		names = append(names, p.GetName())
		if err := Validate(p); err != nil {
			t.Errorf("%s: %v", p.GetName(), err)
		}
		if p.GetApiTier() != p.GetName() || p.GetDescription() == "" || p.GetRateLimit() == nil {
			t.Errorf("%s: tier %q, description %q, rate %v", p.GetName(), p.GetApiTier(), p.GetDescription(), p.GetRateLimit())
		}
		b, err := Budget(p, nil)
		if err != nil {
			t.Fatalf("%s: %v", p.GetName(), err)
		}
		if b.MaxNamespaces != int(p.GetMaxNamespaces()) || len(b.Limits) != len(RequiredQuota) {
			t.Errorf("%s: %d namespaces, %d limits", p.GetName(), b.MaxNamespaces, len(b.Limits))
		}
		// The old table was per namespace: budget = share × namespaces.
		for r, limit := range b.Limits {
			if want := b.Initial[r] * int64(b.MaxNamespaces); limit != want {
				t.Errorf("%s: %s limit %d, want initial × namespaces = %d", p.GetName(), r, limit, want)
			}
		}
		for r, floor := range LandlordFloor {
			if b.Min[r] != floor {
				t.Errorf("%s: min %s = %d, want the floor %d", p.GetName(), r, b.Min[r], floor)
			}
		}
	}
	if !slices.Equal(names, Tiers) {
		t.Errorf("default plans %v, want one per tier %v", names, Tiers)
	}
}

func TestDefaultsCarryTheOldTable(t *testing.T) {
	std := defaultPlan(t, "standard")
	b, err := Budget(std, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Limits["requests.cpu"] != 20_000 || b.Initial["requests.cpu"] != 4_000 || b.Limits["requests.memory"] != 40<<30 {
		t.Errorf("standard: cpu %d/%d, memory %d", b.Limits["requests.cpu"], b.Initial["requests.cpu"], b.Limits["requests.memory"])
	}
	iso := defaultPlan(t, "isolated")
	if iso.GetEgress() != "Tenant" || !slices.Equal(iso.GetRuntimeClasses(), []string{"gvisor", "kata"}) {
		t.Errorf("isolated: egress %q, runtime classes %v", iso.GetEgress(), iso.GetRuntimeClasses())
	}
	ent := defaultPlan(t, "enterprise")
	if !slices.Equal(ent.GetServiceTypes(), []string{"LoadBalancer"}) || ent.GetBudget()["requests.storage"] != "20Ti" {
		t.Errorf("enterprise: service types %v, storage %s", ent.GetServiceTypes(), ent.GetBudget()["requests.storage"])
	}
	want := map[string]*quotav1.RateLimit{"free": {RequestsPerSecond: 10, Burst: 20, MaxInFlight: 10, MaxStreams: 4},
		"standard":   {RequestsPerSecond: 50, Burst: 100, MaxInFlight: 50, MaxStreams: 16},
		"enterprise": {RequestsPerSecond: 200, Burst: 400, MaxInFlight: 200, MaxStreams: 64},
		"isolated":   {RequestsPerSecond: 50, Burst: 100, MaxInFlight: 50, MaxStreams: 16}}
	for name, rl := range want {
		got := defaultPlan(t, name).GetRateLimit()
		if !proto.Equal(got, rl) {
			t.Errorf("%s: rate limit %v, want %v", name, got, rl)
		}
	}
}

func TestParseRefusesUnknownFieldsAndBadPlans(t *testing.T) {
	for _, bad := range []string{
		"plans: [{name: x, maxNamespace: 1}]",   // misspelt
		"plans: [{name: x}]",                    // invalid
		"plans: [{name: x, budget: {pods: 1}}]", // a number, not a quantity string
		"plan: []",
	} {
		if _, err := parse([]byte(bad)); err == nil {
			t.Errorf("parsed %q", bad)
		}
	}
	_, err := parse(append(slices.Clip(defaultsYAML), "- name: free\n"...))
	if err == nil || !strings.Contains(err.Error(), `duplicate "free"`) {
		t.Errorf("duplicate plan: %v", err)
	}
}
