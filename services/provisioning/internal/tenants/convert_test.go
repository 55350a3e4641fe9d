package tenants

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// A tenant created from the API reads back with every setting it was
// created with.
func TestSpecFromProtoRoundTrips(t *testing.T) {
	in := &provisioningv1.Tenant{
		Name: "acme", DisplayName: "Acme Corp", Plan: "standard",
		Namespaces:            []*provisioningv1.Namespace{{Name: "web"}, {Name: "jobs"}},
		PodSecurity:           provisioningv1.PodSecurityLevel_POD_SECURITY_LEVEL_BASELINE,
		NetworkIsolation:      provisioningv1.NetworkIsolation_NETWORK_ISOLATION_NAMESPACE,
		AllowedStorageClasses: []string{"fast", "slow"},
		AllowedIngressDomains: []string{"acme.example.com"},
		HibernateAfterIdle:    durationpb.New(90 * time.Minute),
		DeletionProtection:    true,
	}
	tn := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: in.GetName(), Generation: 3}, Spec: specFromProto(in)}
	out := ToProto(tn)
	for field, same := range map[string]bool{
		"display_name":            out.GetDisplayName() == in.GetDisplayName(),
		"plan":                    out.GetPlan() == in.GetPlan(),
		"pod_security":            out.GetPodSecurity() == in.GetPodSecurity(),
		"network_isolation":       out.GetNetworkIsolation() == in.GetNetworkIsolation(),
		"allowed_storage_classes": slices.Equal(out.GetAllowedStorageClasses(), in.GetAllowedStorageClasses()),
		"allowed_ingress_domains": slices.Equal(out.GetAllowedIngressDomains(), in.GetAllowedIngressDomains()),
		"hibernate_after_idle":    proto.Equal(out.GetHibernateAfterIdle(), in.GetHibernateAfterIdle()),
		"deletion_protection":     out.GetDeletionProtection() == in.GetDeletionProtection(),
	} {
		if !same {
			t.Errorf("%s does not round-trip: in %v, out %v", field, in, out)
		}
	}
	if len(out.GetNamespaces()) != 2 || out.GetNamespaces()[1].GetName() != "jobs" || out.GetNamespaces()[1].GetClusterName() != "acme-jobs" {
		t.Errorf("namespaces = %v", out.GetNamespaces())
	}
	if out.GetEtag() != "3" || out.GetGeneration() != 3 {
		t.Errorf("etag %q, generation %d; want both from generation 3", out.GetEtag(), out.GetGeneration())
	}
	// Every field the update mask may name is one specFromProto sets.
	for _, f := range UpdatableFields {
		if !setField(&v1alpha1.TenantSpec{}, in, f) {
			t.Errorf("updatable field %s is not settable", f)
		}
	}
	if setField(&v1alpha1.TenantSpec{}, in, "name") || setField(&v1alpha1.TenantSpec{}, in, "namespaces") {
		t.Error("name and namespaces must not be updatable through the mask")
	}
}

// Unset enums are the safe defaults: restricted Pod Security, isolation
// per tenant; and the API never reports an unspecified value back for a
// setting the CRD defaulted.
func TestUnsetSettingsAreTheSafeDefaults(t *testing.T) {
	spec := specFromProto(&provisioningv1.Tenant{Name: "acme", Plan: "free"})
	if spec.PodSecurity != v1alpha1.PodSecurityRestricted || spec.NetworkIsolation != v1alpha1.NetworkIsolationTenant {
		t.Errorf("defaults: pod security %q, isolation %q", spec.PodSecurity, spec.NetworkIsolation)
	}
	if spec.Hibernation.IdleAfter != nil || spec.AllowedIngressDomains != nil {
		t.Errorf("unset settings set: %+v", spec)
	}
	out := ToProto(&v1alpha1.Tenant{Spec: spec})
	if out.GetPodSecurity() != provisioningv1.PodSecurityLevel_POD_SECURITY_LEVEL_RESTRICTED ||
		out.GetNetworkIsolation() != provisioningv1.NetworkIsolation_NETWORK_ISOLATION_TENANT {
		t.Errorf("reported as %v, %v", out.GetPodSecurity(), out.GetNetworkIsolation())
	}
	if out.GetHibernateAfterIdle() != nil || out.GetDeleteTime() != nil {
		t.Errorf("unset times reported: %v", out)
	}
}

func TestToProtoReportsStatus(t *testing.T) {
	deleted := metav1.NewTime(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	changed := metav1.NewTime(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	tn := &v1alpha1.Tenant{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Generation: 2, DeletionTimestamp: &deleted},
		Spec: v1alpha1.TenantSpec{Plan: "free", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}, {Name: "new"}},
			Hibernation: v1alpha1.HibernationPolicy{Hibernated: true}},
		Status: v1alpha1.TenantStatus{
			Phase: v1alpha1.PhaseHibernated, ObservedGeneration: 1,
			Conditions: []metav1.Condition{
				{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: "Reconciled", ObservedGeneration: 1, LastTransitionTime: changed},
				{Type: v1alpha1.ConditionQuotaReady, Status: metav1.ConditionFalse, Reason: "ApplyFailed", Message: "refused", ObservedGeneration: 1},
			},
			// "gone" was dropped from the spec: only the spec's namespaces are listed.
			Namespaces: []v1alpha1.NamespaceStatus{
				{Name: "web", ClusterName: "acme-web", Ready: false, Message: "quota refused"},
				{Name: "gone", ClusterName: "acme-gone", Ready: true},
			},
		},
	}
	out := ToProto(tn)
	if out.GetPhase() != provisioningv1.Phase_PHASE_HIBERNATED || !out.GetHibernated() || out.GetObservedGeneration() != 1 {
		t.Errorf("phase %v, hibernated %v, observed %d", out.GetPhase(), out.GetHibernated(), out.GetObservedGeneration())
	}
	if !out.GetDeleteTime().AsTime().Equal(deleted.Time) {
		t.Errorf("delete time = %v", out.GetDeleteTime())
	}
	conds := out.GetConditions()
	if len(conds) != 2 || !conds[0].GetStatus() || conds[1].GetStatus() || conds[1].GetMessage() != "refused" ||
		!conds[0].GetLastTransitionTime().AsTime().Equal(changed.Time) || conds[1].GetObservedGeneration() != 1 {
		t.Errorf("conditions = %v", conds)
	}
	ns := out.GetNamespaces()
	if len(ns) != 2 || ns[0].GetName() != "web" || ns[0].GetReady() || ns[0].GetMessage() != "quota refused" ||
		ns[1].GetName() != "new" || ns[1].GetReady() || ns[1].GetClusterName() != "acme-new" {
		t.Errorf("namespaces = %v", ns)
	}
	// A tenant the operator has not seen yet is Pending.
	if got := ToProto(&v1alpha1.Tenant{}).GetPhase(); got != provisioningv1.Phase_PHASE_PENDING {
		t.Errorf("no phase reads as %v", got)
	}
}

// Every phase the CRD allows has an API phase of its own.
func TestEveryPhaseHasAnAPIPhase(t *testing.T) {
	seen := map[provisioningv1.Phase]v1alpha1.TenantPhase{}
	for _, p := range []v1alpha1.TenantPhase{v1alpha1.PhasePending, v1alpha1.PhaseProvisioning, v1alpha1.PhaseActive,
		v1alpha1.PhaseHibernating, v1alpha1.PhaseHibernated, v1alpha1.PhaseWaking, v1alpha1.PhaseTerminating, v1alpha1.PhaseFailed} {
		got, ok := phaseToProto[p]
		if !ok || got == provisioningv1.Phase_PHASE_UNSPECIFIED {
			t.Errorf("phase %s has no API phase", p)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("phases %s and %s both read as %v", p, other, got)
		}
		seen[got] = p
	}
}
