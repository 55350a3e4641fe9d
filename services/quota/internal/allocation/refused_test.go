package allocation_test

import "testing"

// A workload controller's FailedCreate for Landlord's quota asks the
// ledger for used + requested; other messages change nothing.
func TestRefusedCreateAsksForWhatWasMissing(t *testing.T) {
	a, w, tn := setup(t)
	w.addNamespace(tn, "acme-a")
	w.addNamespace(tn, "acme-b")
	must(t, a.Reconcile("acme"))
	w.apply(a.Ledger)
	must(t, a.Reconcile("acme"))
	before, _ := a.Ledger.Get("acme")
	for _, msg := range []string{
		`Error creating: pods "x" is forbidden: exceeded quota: other-quota, requested: requests.cpu=30, used: requests.cpu=0, limited: requests.cpu=1`,
		`Error creating: pods "x" is forbidden: violates PodSecurity "restricted:latest"`,
	} {
		must(t, a.Refused("acme-a", msg))
	}
	must(t, a.Refused("nowhere", `exceeded quota: landlord-quota, requested: requests.cpu=1, used: requests.cpu=1, limited: requests.cpu=1`))
	after, _ := a.Ledger.Get("acme")
	if after.Namespaces[0].Intended["requests.cpu"] != before.Namespaces[0].Intended["requests.cpu"] {
		t.Fatal("a message about something else changed the ledger")
	}
	// Standard: 20 CPU for 5 namespaces, 4 each; 12 are free.
	must(t, a.Refused("acme-a", `Error creating: pods "x" is forbidden: exceeded quota: landlord-quota, requested: requests.cpu=2,requests.memory=1Gi, used: requests.cpu=3500m,requests.memory=1Gi, limited: requests.cpu=4,requests.memory=8Gi`))
	after, _ = a.Ledger.Get("acme")
	if got := after.Namespaces[0].Intended["requests.cpu"]; got != 5500 {
		t.Errorf("after a refusal of 2 CPU with 3.5 used, acme-a has %dm, want 5500m", got)
	}
}
