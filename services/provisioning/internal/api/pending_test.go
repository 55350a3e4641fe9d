package api

import (
	"fmt"
	"testing"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
)

const (
	added    = provisioningv1.WatchTenantsResponse_EVENT_TYPE_ADDED
	modified = provisioningv1.WatchTenantsResponse_EVENT_TYPE_MODIFIED
	deleted  = provisioningv1.WatchTenantsResponse_EVENT_TYPE_DELETED
)

func change(typ provisioningv1.WatchTenantsResponse_EventType, name, plan string) *event {
	return &event{Type: typ, Tenant: &provisioningv1.Tenant{Name: name, Plan: plan}}
}

// A platform admin's watch starts with every tenant: 5,000 of them wait
// for a client that has not read yet, and all arrive, in order.
func TestTheInitialReplayIsNotBoundedByABuffer(t *testing.T) {
	p := newPending()
	for i := range 5000 {
		p.add(change(added, fmt.Sprintf("t%04d", i), "standard"))
	}
	got := p.take()
	if len(got) != 5000 || got[0].GetTenant().GetName() != "t0000" || got[4999].GetTenant().GetName() != "t4999" {
		t.Fatalf("took %d changes, first %v, want 5000 in order", len(got), got[0])
	}
	if again := p.take(); len(again) != 0 {
		t.Errorf("taken twice: %d changes", len(again))
	}
}

func TestASlowClientGetsTheLatestStateOfEachTenant(t *testing.T) {
	p := newPending()
	p.add(change(added, "a", "small"))
	p.add(change(modified, "a", "large")) // still an addition to the client, now large
	p.add(change(added, "b", "small"))    //
	p.add(change(deleted, "b", "small"))  // added and gone before it was sent: nothing
	p.add(change(modified, "c", "small")) // the client knew c
	p.add(change(deleted, "c", "small"))  // and learns it is gone
	got := p.take()
	want := []string{"EVENT_TYPE_ADDED a large", "EVENT_TYPE_DELETED c small"}
	if len(got) != len(want) {
		t.Fatalf("took %v, want %v", got, want)
	}
	for i, e := range got {
		if s := fmt.Sprint(e.GetType(), " ", e.GetTenant().GetName(), " ", e.GetTenant().GetPlan()); s != want[i] {
			t.Errorf("change %d = %s, want %s", i, s, want[i])
		}
	}
}
