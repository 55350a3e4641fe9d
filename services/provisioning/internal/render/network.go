package render

import (
	"fmt"
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	netac "k8s.io/client-go/applyconfigurations/networking/v1"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans"
)

// Network is what the tenants' network policies must know of the cluster,
// set by the platform admin.
type Network struct {
	// InternalCIDRs are the cluster's own ranges (pods, services, nodes):
	// Internet egress excludes them, so a tenant's pods reach neither other
	// tenants' pods by address nor node ports.
	InternalCIDRs []string
	// DNSCIDRs are extra DNS servers pods may query on port 53, such as
	// NodeLocal DNSCache's link-local 169.254.20.10/32.
	DNSCIDRs []string
}

// DefaultNetwork takes every private range as internal: the usual pod,
// service and node ranges are among them.
func DefaultNetwork() Network {
	return Network{InternalCIDRs: []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"}}
}

// linkLocal holds the cloud metadata endpoints (169.254.169.254 and, on
// AWS, fd00:ec2::254) and node-local services: no egress mode reaches it.
var linkLocal = []string{"169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128"}

// Validate checks every range.
func (n Network) Validate() error {
	for _, cidrs := range [][]string{n.InternalCIDRs, n.DNSCIDRs} {
		for _, c := range cidrs {
			if _, err := netip.ParsePrefix(c); err != nil {
				return fmt.Errorf("network range %q: %w", c, err)
			}
		}
	}
	return nil
}

// isolation admits ingress only from the tenant's own namespaces (or, in
// Namespace mode, the namespace itself): a policy that selects every pod
// with ingress rules denies every other source, the world included.
// Egress goes to cluster DNS, the same peers, and what the plan's mode
// adds; link-local (the metadata endpoint) is never reachable.
func isolation(t *v1alpha1.Tenant, ns string, lbl map[string]string, mode plans.Egress, net Network) *netac.NetworkPolicyApplyConfiguration {
	peer := netac.NetworkPolicyPeer().WithNamespaceSelector(metav1ac.LabelSelector().WithMatchLabels(map[string]string{LabelTenant: t.Name}))
	if t.Spec.NetworkIsolation == v1alpha1.NetworkIsolationNamespace {
		peer = netac.NetworkPolicyPeer().WithPodSelector(metav1ac.LabelSelector())
	}
	egress := []*netac.NetworkPolicyEgressRuleApplyConfiguration{dns(net), netac.NetworkPolicyEgressRule().WithTo(peer)}
	switch mode {
	case plans.EgressOpen:
		egress = append(egress, netac.NetworkPolicyEgressRule().WithTo(
			append(outside(linkLocal), netac.NetworkPolicyPeer().WithNamespaceSelector(metav1ac.LabelSelector()))...))
	case plans.EgressTenant:
	default: // Internet
		egress = append(egress, netac.NetworkPolicyEgressRule().WithTo(outside(append(linkLocal, net.InternalCIDRs...))...))
	}
	return netac.NetworkPolicy(IsolationName, ns).WithLabels(lbl).WithSpec(netac.NetworkPolicySpec().
		WithPodSelector(metav1ac.LabelSelector()).
		WithPolicyTypes(networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress).
		WithIngress(netac.NetworkPolicyIngressRule().WithFrom(peer)).
		WithEgress(egress...))
}

// dns allows queries to the cluster DNS pods (and any configured DNS
// addresses) on port 53.
func dns(net Network) *netac.NetworkPolicyEgressRuleApplyConfiguration {
	peers := []*netac.NetworkPolicyPeerApplyConfiguration{netac.NetworkPolicyPeer().
		WithNamespaceSelector(metav1ac.LabelSelector().WithMatchLabels(map[string]string{corev1.LabelMetadataName: "kube-system"})).
		WithPodSelector(metav1ac.LabelSelector().WithMatchLabels(map[string]string{"k8s-app": "kube-dns"}))}
	for _, c := range net.DNSCIDRs {
		peers = append(peers, netac.NetworkPolicyPeer().WithIPBlock(netac.IPBlock().WithCIDR(c)))
	}
	port := intstr.FromInt32(53)
	return netac.NetworkPolicyEgressRule().WithTo(peers...).WithPorts(
		netac.NetworkPolicyPort().WithProtocol(corev1.ProtocolUDP).WithPort(port),
		netac.NetworkPolicyPort().WithProtocol(corev1.ProtocolTCP).WithPort(port))
}

// outside is every address, IPv4 and IPv6, but those in except.
func outside(except []string) []*netac.NetworkPolicyPeerApplyConfiguration {
	var v4, v6 []string
	for _, c := range except {
		if p, err := netip.ParsePrefix(c); err == nil && p.Addr().Is4() {
			v4 = append(v4, c)
		} else if err == nil {
			v6 = append(v6, c)
		}
	}
	return []*netac.NetworkPolicyPeerApplyConfiguration{
		netac.NetworkPolicyPeer().WithIPBlock(netac.IPBlock().WithCIDR("0.0.0.0/0").WithExcept(v4...)),
		netac.NetworkPolicyPeer().WithIPBlock(netac.IPBlock().WithCIDR("::/0").WithExcept(v6...)),
	}
}
