package controller_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// TestNoServiceHijack: externalIPs never, exposing Service types only as
// the plan allows, each refusal naming why.
func TestNoServiceHijack(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	provision(t, c, "hj-std", v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}}})
	provision(t, c, "hj-ent", v1alpha1.TenantSpec{Plan: "enterprise", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}}})
	waitQuotaTracked(t, "hj-std-web")
	waitQuotaTracked(t, "hj-ent-web")
	editor := impersonate(t, "landlord:eve", "landlord:tenant:hj-std:editor")
	ent := impersonate(t, "landlord:eve", "landlord:tenant:hj-ent:editor")

	intercept := service("intercept", corev1.ServiceTypeClusterIP)
	intercept.Spec.ExternalIPs = []string{"10.96.0.1"} // the API server's service address
	_, err := editor.CoreV1().Services("hj-std-web").Create(ctx, intercept, dryRunCreate)
	// DenyServiceExternalIPs refuses first in the dev cluster; the
	// policy for clusters without it says "externalIPs".
	wantReason(t, "externalIPs", err, metav1.StatusReasonForbidden, "xternal")

	waitRefused(t, func() error {
		_, err := editor.CoreV1().Services("hj-std-web").Create(ctx, service("lb", corev1.ServiceTypeLoadBalancer), dryRunCreate)
		return err
	}, metav1.StatusReasonForbidden, "is not allowed by plan standard")
	for _, typ := range []corev1.ServiceType{corev1.ServiceTypeNodePort, corev1.ServiceTypeExternalName} {
		svc := service("exposed", typ)
		if typ == corev1.ServiceTypeExternalName {
			svc.Spec.ExternalName, svc.Spec.Selector, svc.Spec.Ports = "web.hj-ent-web.svc.cluster.local", nil, nil
		}
		_, err := editor.CoreV1().Services("hj-std-web").Create(ctx, svc, dryRunCreate)
		wantReason(t, string(typ), err, metav1.StatusReasonForbidden, "Service type "+string(typ)+" is not allowed by plan standard")
	}
	// Positive controls: ClusterIP everywhere, LoadBalancer where the plan allows.
	if _, err := editor.CoreV1().Services("hj-std-web").Create(ctx, service("web", corev1.ServiceTypeClusterIP), dryRunCreate); err != nil {
		t.Errorf("ClusterIP service: %v", err)
	}
	lb := service("lb", corev1.ServiceTypeLoadBalancer)
	lb.Spec.AllocateLoadBalancerNodePorts = ptr.To(false) // node ports stay at the plan's 0
	if _, err := ent.CoreV1().Services("hj-ent-web").Create(ctx, lb, dryRunCreate); err != nil {
		t.Errorf("LoadBalancer on the enterprise plan: %v", err)
	}
}

// TestNoIngressHijack: each tenant serves only hosts under its own
// domains; no two tenants hold overlapping domains, whoever asks.
func TestNoIngressHijack(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	provision(t, c, "ing-a", v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}},
		AllowedIngressDomains: []v1alpha1.IngressDomain{"a.example.com"}})
	provision(t, c, "ing-b", v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}},
		AllowedIngressDomains: []v1alpha1.IngressDomain{"b.example.com"}})
	waitQuotaTracked(t, "ing-a-web")
	a := impersonate(t, "landlord:ann", "landlord:tenant:ing-a:editor")

	create := func(name string, spec networkingv1.IngressSpec) error {
		_, err := a.NetworkingV1().Ingresses("ing-a-web").Create(ctx, &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec}, dryRunCreate)
		return err
	}
	waitRefused(t, func() error { return create("theirs", ingressSpec("shop.b.example.com")) }, metav1.StatusReasonForbidden, "not under the tenant's ingress domains")
	for name, spec := range map[string]networkingv1.IngressSpec{
		"parent":    ingressSpec("example.com"),
		"lookalike": ingressSpec("evila.example.com"),
		"wildcard":  ingressSpec("*.example.com"),
	} {
		wantReason(t, name, create(name, spec), metav1.StatusReasonForbidden, "not under the tenant's ingress domains")
	}
	catchAll := ingressSpec("")
	wantReason(t, "a rule without a host", create("catch-all", catchAll), metav1.StatusReasonForbidden, "would take every host")
	backend := ingressSpec("www.a.example.com")
	backend.DefaultBackend = backend.Rules[0].HTTP.Paths[0].Backend.DeepCopy()
	wantReason(t, "a default backend", create("default", backend), metav1.StatusReasonForbidden, "would take every host")
	tls := ingressSpec("www.a.example.com")
	tls.TLS = []networkingv1.IngressTLS{{Hosts: []string{"login.b.example.com"}, SecretName: "cert"}}
	wantReason(t, "a TLS host of another tenant", create("tls", tls), metav1.StatusReasonForbidden, "every TLS host")
	for _, host := range []string{"a.example.com", "www.a.example.com", "*.a.example.com"} {
		if err := create("mine", ingressSpec(host)); err != nil {
			t.Errorf("own host %s: %v", host, err)
		}
	}

	// A later tenant given an overlapping domain by kubectl gets nothing
	// of it: the older tenant keeps the domain, the later one is Failed.
	late := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: "ing-late"}, Spec: v1alpha1.TenantSpec{Plan: "standard",
		Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}}, AllowedIngressDomains: []v1alpha1.IngressDomain{"shop.a.example.com", "late.example.org"}}}
	if err := c.Create(ctx, late); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), late) })
	failed := waitPhase(t, c, "ing-late", v1alpha1.PhaseFailed)
	if cond := meta.FindStatusCondition(failed.Status.Conditions, v1alpha1.ConditionPoliciesReady); cond == nil || cond.Reason != "Taken" || !strings.Contains(cond.Message, "ing-a") {
		t.Errorf("PoliciesReady = %+v, want Taken by ing-a", cond)
	}
	ns := &corev1.Namespace{}
	if err := c.Get(ctx, client.ObjectKey{Name: "ing-late-web"}, ns); err != nil {
		t.Fatal(err)
	}
	if got := ns.Annotations[render.AnnotationIngressDomains]; got != "late.example.org" {
		t.Errorf("late tenant's domains = %q, want only late.example.org", got)
	}
	// Once the older tenant lets the domain go, the later one gets it.
	if err := c.Patch(ctx, &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: "ing-a"}},
		client.RawPatch(types.MergePatchType, []byte(`{"spec":{"allowedIngressDomains":["www.a.example.com"]}}`))); err != nil {
		t.Fatal(err)
	}
	waitPhase(t, c, "ing-late", v1alpha1.PhaseActive)
	devclustertest.Eventually(t, 30*time.Second, func() error {
		if err := c.Get(ctx, client.ObjectKey{Name: "ing-late-web"}, ns); err != nil {
			return err
		}
		if got := strings.Split(ns.Annotations[render.AnnotationIngressDomains], ","); !slices.Contains(got, "shop.a.example.com") {
			return fmt.Errorf("late tenant's domains = %v", got)
		}
		return nil
	})
}

func ingressSpec(host string) networkingv1.IngressSpec {
	pathType := networkingv1.PathTypePrefix
	return networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{
		HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &pathType,
			Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}}}}}}}}
}
