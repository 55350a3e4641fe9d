package render

import (
	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	admissionac "k8s.io/client-go/applyconfigurations/admissionregistration/v1"
)

// The policies in this file keep a tenant from taking traffic that is not
// its own. They apply to every user in tenant namespaces: Services and
// Ingresses also come from controllers (Helm, operators) acting for the
// tenant.

// ServiceExposure refuses, in tenant namespaces, Services with externalIPs
// (CVE-2020-8554: any IP, another tenant's or the API server's, is
// intercepted on every node; DenyServiceExternalIPs does this for clusters
// that enable it) and Service types the tenant's plan does not allow:
// NodePort and LoadBalancer take node or cloud addresses, ExternalName
// makes in-cluster proxies send traffic wherever it points. An update that
// keeps the type is let through, so a plan change does not freeze
// existing Services.
func ServiceExposure() Policy {
	rule := admissionac.NamedRuleWithOperations().
		WithOperations(admissionv1.Create, admissionv1.Update).
		WithAPIGroups("").WithAPIVersions("v1").WithResources("services")
	return newPolicy(ServicesPolicyName, admissionac.ValidatingAdmissionPolicySpec().
		WithMatchConstraints(inTenantNamespaces(rule)).
		WithVariables(
			annotationList("allowed", AnnotationServiceTypes),
			admissionac.Variable().WithName("type").WithExpression("object.spec.?type.orValue('ClusterIP')"),
			admissionac.Variable().WithName("plan").
				WithExpression("namespaceObject.metadata.?annotations[?'"+AnnotationPlan+"'].orValue('unknown')"),
		).
		WithValidations(
			admissionac.Validation().
				WithExpression("size(object.spec.?externalIPs.orValue([])) == 0").
				WithMessage("Services in tenant namespaces may not set spec.externalIPs (CVE-2020-8554)").
				WithReason(metav1.StatusReasonForbidden),
			admissionac.Validation().
				WithExpression("variables.type == 'ClusterIP' || variables.type in variables.allowed || "+
					"(request.operation == 'UPDATE' && oldObject.spec.?type.orValue('ClusterIP') == variables.type)").
				WithMessageExpression("'Service type ' + variables.type + ' is not allowed by plan ' + variables.plan + '; allowed: ' + "+
					"(size(variables.allowed) == 0 ? 'ClusterIP' : variables.allowed.join(', '))").
				WithReason(metav1.StatusReasonForbidden)))
}

// IngressHosts refuses, in tenant namespaces, an Ingress whose hosts are
// not under the tenant's allowed domains (set by platform admins; no two
// tenants' domains overlap, so no two tenants can serve the same host),
// and any Ingress that would take every host: a rule without a host, or a
// default backend.
func IngressHosts() Policy {
	rule := admissionac.NamedRuleWithOperations().
		WithOperations(admissionv1.Create, admissionv1.Update).
		WithAPIGroups("networking.k8s.io").WithAPIVersions("v1").WithResources("ingresses")
	return newPolicy(IngressPolicyName, admissionac.ValidatingAdmissionPolicySpec().
		WithMatchConstraints(inTenantNamespaces(rule)).
		WithVariables(
			annotationList("domains", AnnotationIngressDomains),
			admissionac.Variable().WithName("hosts").WithExpression("object.spec.?rules.orValue([]).map(r, r.?host.orValue(''))"),
			admissionac.Variable().WithName("foreign").WithExpression("variables.hosts.filter(h, h != '' && !("+underDomains("h")+"))"),
		).
		WithValidations(
			admissionac.Validation().
				WithExpression("!has(object.spec.defaultBackend) && !variables.hosts.exists(h, h == '')").
				WithMessage("Ingresses in tenant namespaces must name a host in every rule and set no default backend: either would take every host").
				WithReason(metav1.StatusReasonForbidden),
			admissionac.Validation().
				WithExpression("size(variables.foreign) == 0").
				WithMessageExpression("'host ' + variables.foreign[0] + ' is not under the tenant\\'s ingress domains; allowed: ' + "+allowedDomains).
				WithReason(metav1.StatusReasonForbidden),
			admissionac.Validation().
				WithExpression("object.spec.?tls.orValue([]).all(t, t.?hosts.orValue([]).all(h, "+underDomains("h")+"))").
				WithMessageExpression("'every TLS host must be under the tenant\\'s ingress domains; allowed: ' + "+allowedDomains).
				WithReason(metav1.StatusReasonForbidden)))
}

// underDomains is a CEL test that host (a wildcard too) is one of the
// tenant's domains or a name under one.
func underDomains(host string) string {
	return "variables.domains.exists(d, " + host + " == d || " + host + ".endsWith('.' + d))"
}

const allowedDomains = "(size(variables.domains) == 0 ? 'none (platform admins set them)' : variables.domains.join(', '))"

// NoLongLivedTokens refuses ServiceAccount token Secrets in tenant
// namespaces: the token controller fills them with a token that never
// expires and outlives every credential Landlord can revoke. Workloads get
// short-lived, audience-bound tokens from projected volumes or the
// TokenRequest API instead.
func NoLongLivedTokens() Policy {
	rule := admissionac.NamedRuleWithOperations().
		WithOperations(admissionv1.Create, admissionv1.Update).
		WithAPIGroups("").WithAPIVersions("v1").WithResources("secrets")
	return newPolicy(TokenSecretsPolicyName, admissionac.ValidatingAdmissionPolicySpec().
		WithMatchConstraints(inTenantNamespaces(rule)).
		WithValidations(admissionac.Validation().
			WithExpression("object.?type.orValue('') != 'kubernetes.io/service-account-token'").
			WithMessage("ServiceAccount token Secrets never expire and are not allowed in tenant namespaces; use projected tokens or the TokenRequest API").
			WithReason(metav1.StatusReasonForbidden)))
}

// NoTenantEvents refuses Events written by a tenant's identities (its
// users, and the ServiceAccounts of the namespace) in tenant namespaces:
// Kubernetes' quota does not count Events, so nothing else could bound how
// many a tenant stores in etcd. The cluster's controllers still record
// Events about the tenant's objects, and the tenant still reads them.
func NoTenantEvents() Policy {
	rule := admissionac.NamedRuleWithOperations().
		WithOperations(admissionv1.Create, admissionv1.Update).
		WithAPIGroups("", "events.k8s.io").WithAPIVersions("v1").WithResources("events")
	return newPolicy(EventsPolicyName, admissionac.ValidatingAdmissionPolicySpec().
		WithMatchConstraints(inTenantNamespaces(rule)).
		WithValidations(admissionac.Validation().
			WithExpression("!request.userInfo.username.startsWith('landlord:') && "+
				"!request.userInfo.username.startsWith('system:serviceaccount:' + request.namespace + ':')").
			WithMessage("tenants cannot write Events: quota cannot bound them; the cluster's controllers record Events about your objects").
			WithReason(metav1.StatusReasonForbidden)))
}
