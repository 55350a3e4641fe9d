package tenants

import (
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

var (
	podSecurityToKube = map[provisioningv1.PodSecurityLevel]v1alpha1.PodSecurityLevel{
		provisioningv1.PodSecurityLevel_POD_SECURITY_LEVEL_UNSPECIFIED: v1alpha1.PodSecurityRestricted,
		provisioningv1.PodSecurityLevel_POD_SECURITY_LEVEL_RESTRICTED:  v1alpha1.PodSecurityRestricted,
		provisioningv1.PodSecurityLevel_POD_SECURITY_LEVEL_BASELINE:    v1alpha1.PodSecurityBaseline,
	}
	isolationToKube = map[provisioningv1.NetworkIsolation]v1alpha1.NetworkIsolation{
		provisioningv1.NetworkIsolation_NETWORK_ISOLATION_UNSPECIFIED: v1alpha1.NetworkIsolationTenant,
		provisioningv1.NetworkIsolation_NETWORK_ISOLATION_TENANT:      v1alpha1.NetworkIsolationTenant,
		provisioningv1.NetworkIsolation_NETWORK_ISOLATION_NAMESPACE:   v1alpha1.NetworkIsolationNamespace,
	}
	phaseToProto = map[v1alpha1.TenantPhase]provisioningv1.Phase{
		"":                         provisioningv1.Phase_PHASE_PENDING, // not yet seen by the operator
		v1alpha1.PhasePending:      provisioningv1.Phase_PHASE_PENDING,
		v1alpha1.PhaseProvisioning: provisioningv1.Phase_PHASE_PROVISIONING,
		v1alpha1.PhaseActive:       provisioningv1.Phase_PHASE_ACTIVE,
		v1alpha1.PhaseHibernating:  provisioningv1.Phase_PHASE_HIBERNATING,
		v1alpha1.PhaseHibernated:   provisioningv1.Phase_PHASE_HIBERNATED,
		v1alpha1.PhaseWaking:       provisioningv1.Phase_PHASE_WAKING,
		v1alpha1.PhaseTerminating:  provisioningv1.Phase_PHASE_TERMINATING,
		v1alpha1.PhaseFailed:       provisioningv1.Phase_PHASE_FAILED,
	}
)

// ToProto is the API view of a Tenant resource.
func ToProto(t *v1alpha1.Tenant) *provisioningv1.Tenant {
	out := &provisioningv1.Tenant{
		Name:                  t.Name,
		DisplayName:           t.Spec.DisplayName,
		Plan:                  t.Spec.Plan,
		AllowedStorageClasses: t.Spec.AllowedStorageClasses,
		AllowedIngressDomains: domainsToProto(t.Spec.AllowedIngressDomains),
		DeletionProtection:    t.Spec.DeletionProtection,
		Hibernated:            t.Spec.Hibernation.Hibernated,
		HibernationReason:     hibernationReasons[t.Spec.Hibernation.Reason],
		Phase:                 phaseToProto[t.Status.Phase],
		CreateTime:            timestamppb.New(t.CreationTimestamp.Time),
		Etag:                  Etag(t),
		Generation:            t.Generation,
		ObservedGeneration:    t.Status.ObservedGeneration,
	}
	for k, v := range podSecurityToKube {
		if v == t.Spec.PodSecurity && k != provisioningv1.PodSecurityLevel_POD_SECURITY_LEVEL_UNSPECIFIED {
			out.PodSecurity = k
		}
	}
	for k, v := range isolationToKube {
		if v == t.Spec.NetworkIsolation && k != provisioningv1.NetworkIsolation_NETWORK_ISOLATION_UNSPECIFIED {
			out.NetworkIsolation = k
		}
	}
	if d := t.Spec.Hibernation.IdleAfter; d != nil {
		out.HibernateAfterIdle = durationpb.New(d.Duration)
	}
	if t.DeletionTimestamp != nil {
		out.DeleteTime = timestamppb.New(t.DeletionTimestamp.Time)
	}
	out.Namespaces = namespacesToProto(t)
	for _, c := range t.Status.Conditions {
		out.Conditions = append(out.Conditions, &provisioningv1.Condition{
			Type: c.Type, Status: c.Status == metav1.ConditionTrue, Reason: c.Reason, Message: c.Message,
			ObservedGeneration: c.ObservedGeneration, LastTransitionTime: timestamppb.New(c.LastTransitionTime.Time),
		})
	}
	return out
}

// namespacesToProto lists the spec's namespaces with what status says of them.
func namespacesToProto(t *v1alpha1.Tenant) []*provisioningv1.Namespace {
	status := map[string]v1alpha1.NamespaceStatus{}
	for _, s := range t.Status.Namespaces {
		status[s.Name] = s
	}
	out := make([]*provisioningv1.Namespace, 0, len(t.Spec.Namespaces))
	for _, ns := range t.Spec.Namespaces {
		s := status[ns.Name]
		out = append(out, &provisioningv1.Namespace{Name: ns.Name, ClusterName: render.ClusterName(t.Name, ns.Name),
			Ready: s.Ready, Message: s.Message})
	}
	return out
}

// setField copies one updatable field from the API view into spec; it
// reports false for a field that cannot be updated.
func setField(spec *v1alpha1.TenantSpec, in *provisioningv1.Tenant, field string) bool {
	switch field {
	case "display_name":
		spec.DisplayName = in.GetDisplayName()
	case "plan":
		spec.Plan = in.GetPlan()
	case "pod_security":
		spec.PodSecurity = podSecurityToKube[in.GetPodSecurity()]
	case "network_isolation":
		spec.NetworkIsolation = isolationToKube[in.GetNetworkIsolation()]
	case "allowed_storage_classes":
		spec.AllowedStorageClasses = in.GetAllowedStorageClasses()
	case "allowed_ingress_domains":
		spec.AllowedIngressDomains = nil
		for _, d := range in.GetAllowedIngressDomains() {
			spec.AllowedIngressDomains = append(spec.AllowedIngressDomains, v1alpha1.IngressDomain(d))
		}
	case "hibernate_after_idle":
		spec.Hibernation.IdleAfter = nil
		if d := in.GetHibernateAfterIdle(); d != nil {
			spec.Hibernation.IdleAfter = &metav1.Duration{Duration: d.AsDuration()}
		}
	case "deletion_protection":
		spec.DeletionProtection = in.GetDeletionProtection()
	default:
		return false
	}
	return true
}

// UpdatableFields are the fields UpdateTenant's mask may name.
var UpdatableFields = []string{"display_name", "plan", "pod_security", "network_isolation",
	"allowed_storage_classes", "allowed_ingress_domains", "hibernate_after_idle", "deletion_protection"}

func domainsToProto(domains []v1alpha1.IngressDomain) []string {
	var out []string
	for _, d := range domains {
		out = append(out, string(d))
	}
	return out
}

// specFromProto is the spec of a tenant being created.
func specFromProto(in *provisioningv1.Tenant) v1alpha1.TenantSpec {
	spec := v1alpha1.TenantSpec{}
	for _, f := range UpdatableFields {
		setField(&spec, in, f)
	}
	for _, ns := range in.GetNamespaces() {
		spec.Namespaces = append(spec.Namespaces, v1alpha1.TenantNamespace{Name: ns.GetName()})
	}
	return spec
}

// Etag is a tenant's etag: its generation, which only changes of the
// settings bump. The operator's status writes do not, so an etag read
// from the API stays valid while the tenant is provisioned.
func Etag(t *v1alpha1.Tenant) string { return v1alpha1.Etag(t) }

// hibernationReasons are the API's names of the reasons a tenant sleeps.
var hibernationReasons = map[v1alpha1.HibernationReason]provisioningv1.HibernationReason{
	v1alpha1.HibernationRequested: provisioningv1.HibernationReason_HIBERNATION_REASON_REQUESTED,
	v1alpha1.HibernationIdle:      provisioningv1.HibernationReason_HIBERNATION_REASON_IDLE,
}
