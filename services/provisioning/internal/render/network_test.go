package render_test

import (
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	netac "k8s.io/client-go/applyconfigurations/networking/v1"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans/planstest"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// egressTo summarises a rendered policy's egress: the ipBlocks with their
// exceptions, the namespace selectors, and whether DNS is allowed.
type egressTo struct {
	blocks     map[string][]string
	namespaces []map[string]string
	anyPod     bool
	dns        bool
}

func egressOf(t *testing.T, np *netac.NetworkPolicyApplyConfiguration) egressTo {
	t.Helper()
	out := egressTo{blocks: map[string][]string{}}
	if !slices.Contains(np.Spec.PolicyTypes, "Egress") {
		t.Fatal("the policy does not isolate egress")
	}
	for _, rule := range np.Spec.Egress {
		for _, peer := range rule.To {
			switch {
			case peer.IPBlock != nil:
				out.blocks[*peer.IPBlock.CIDR] = peer.IPBlock.Except
			case peer.PodSelector != nil && peer.PodSelector.MatchLabels["k8s-app"] == "kube-dns":
				out.dns = out.dns || (len(rule.Ports) == 2 && rule.Ports[0].Port.IntValue() == 53 && rule.Ports[1].Port.IntValue() == 53)
			case peer.NamespaceSelector != nil:
				out.namespaces = append(out.namespaces, peer.NamespaceSelector.MatchLabels)
			case peer.PodSelector != nil:
				out.anyPod = true
			}
		}
	}
	return out
}

func TestEgressModes(t *testing.T) {
	table := planstest.Table()
	tenant := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: "acme"}}
	net := render.Network{InternalCIDRs: []string{"10.0.0.0/8", "fd00::/8"}, DNSCIDRs: []string{"169.254.20.10/32"}}
	render1 := func(plan string) egressTo {
		return egressOf(t, render.Namespace(tenant, "web", render.Inputs{Plan: table[plan], Network: net}).NetworkPolicies[0])
	}

	internet := render1("standard") // Internet mode
	if !internet.dns {
		t.Error("Internet mode: no DNS")
	}
	if len(internet.namespaces) != 1 || internet.namespaces[0][render.LabelTenant] != "acme" {
		t.Errorf("Internet mode: namespaces %v, want the tenant's own", internet.namespaces)
	}
	v4, v6 := internet.blocks["0.0.0.0/0"], internet.blocks["::/0"]
	for _, must := range []string{"169.254.0.0/16", "10.0.0.0/8"} {
		if !slices.Contains(v4, must) {
			t.Errorf("Internet mode: IPv4 egress reaches %s (except %v)", must, v4)
		}
	}
	for _, must := range []string{"fe80::/10", "fd00::/8", "fd00:ec2::254/128"} {
		if !slices.Contains(v6, must) {
			t.Errorf("Internet mode: IPv6 egress reaches %s (except %v)", must, v6)
		}
	}
	if _, ok := internet.blocks["169.254.20.10/32"]; !ok {
		t.Error("the configured DNS address is not allowed")
	}

	strict := render1("isolated") // Tenant mode
	if _, ok := strict.blocks["0.0.0.0/0"]; ok || !strict.dns || len(strict.namespaces) != 1 {
		t.Errorf("Tenant mode reaches %+v", strict)
	}

	tenant.Spec.NetworkIsolation = v1alpha1.NetworkIsolationNamespace
	own := render1("standard")
	if len(own.namespaces) != 0 || !own.anyPod {
		t.Errorf("Namespace isolation: egress to namespaces %v", own.namespaces)
	}

	open := *table["standard"]
	open.Egress = plans.EgressOpen
	tenant.Spec.NetworkIsolation = ""
	got := egressOf(t, render.Namespace(tenant, "web", render.Inputs{Plan: &open, Network: net}).NetworkPolicies[0])
	if except := got.blocks["0.0.0.0/0"]; !slices.Contains(except, "169.254.0.0/16") || slices.Contains(except, "10.0.0.0/8") {
		t.Errorf("Open mode: IPv4 except %v, want link-local only", except)
	}
}

func TestNetworkValidate(t *testing.T) {
	if err := render.DefaultNetwork().Validate(); err != nil {
		t.Error(err)
	}
	if err := (render.Network{InternalCIDRs: []string{"10.0.0.0/33"}}).Validate(); err == nil {
		t.Error("a bad range is accepted")
	}
}
