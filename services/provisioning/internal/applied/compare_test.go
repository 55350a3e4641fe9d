package applied_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	netac "k8s.io/client-go/applyconfigurations/networking/v1"

	"github.com/landlord-dev/landlord/services/provisioning/internal/applied"
)

func quota(hard corev1.ResourceList) *corev1ac.ResourceQuotaApplyConfiguration {
	return corev1ac.ResourceQuota("q", "ns").WithLabels(map[string]string{"a": "1"}).
		WithAnnotations(map[string]string{"empty": ""}).
		WithOwnerReferences(metav1ac.OwnerReference().WithKind("Tenant").WithName("t").WithUID("u").WithController(true)).
		WithSpec(corev1ac.ResourceQuotaSpec().WithHard(hard))
}

// liveQuota is what the API server stores: more labels, server fields,
// status, canonical quantities.
func liveQuota() *corev1.ResourceQuota {
	return &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: "q", Namespace: "ns", ResourceVersion: "7", UID: "x",
			Labels:          map[string]string{"a": "1", "added-by-someone": "yes"},
			Annotations:     map[string]string{"empty": ""},
			OwnerReferences: []metav1.OwnerReference{{Kind: "Tenant", Name: "t", UID: "u", Controller: new(true)}},
			ManagedFields: []metav1.ManagedFieldsEntry{
				{Manager: "landlord-provisioning", Operation: metav1.ManagedFieldsOperationApply, FieldsV1: &metav1.FieldsV1{Raw: []byte(
					`{"f:metadata":{"f:annotations":{"f:empty":{}},"f:labels":{"f:a":{}},"f:ownerReferences":{"k:{\"uid\":\"u\"}":{}}},"f:spec":{"f:hard":{"f:cpu":{},"f:memory":{}}}}`)}},
				// Another manager's fields, and ours through the status subresource, are not ours to drop.
				{Manager: "someone", Operation: metav1.ManagedFieldsOperationUpdate, FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{"f:labels":{"f:added-by-someone":{}}}}`)}},
				{Manager: "landlord-provisioning", Operation: metav1.ManagedFieldsOperationUpdate, Subresource: "status", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:status":{}}`)}},
			}},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1Gi")}},
		Status: corev1.ResourceQuotaStatus{Used: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("0")}},
	}
}

func TestUpToDate(t *testing.T) {
	hard := func(cpu, mem string) corev1.ResourceList {
		return corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}
	}
	for name, tc := range map[string]struct {
		desired *corev1ac.ResourceQuotaApplyConfiguration
		edit    func(*corev1.ResourceQuota)
		want    bool
	}{
		"same":                        {quota(hard("1", "1Gi")), nil, true},
		"same quantity, other format": {quota(hard("1000m", "1024Mi")), nil, true},
		"hard limit edited":           {quota(hard("1", "1Gi")), func(q *corev1.ResourceQuota) { q.Spec.Hard[corev1.ResourceCPU] = resource.MustParse("2") }, false},
		"hard limit dropped":          {quota(hard("1", "1Gi")), func(q *corev1.ResourceQuota) { delete(q.Spec.Hard, corev1.ResourceMemory) }, false},
		"our label removed":           {quota(hard("1", "1Gi")), func(q *corev1.ResourceQuota) { delete(q.Labels, "a") }, false},
		"our annotation changed":      {quota(hard("1", "1Gi")), func(q *corev1.ResourceQuota) { q.Annotations["empty"] = "x" }, false},
		"owner reference lost":        {quota(hard("1", "1Gi")), func(q *corev1.ResourceQuota) { q.OwnerReferences = nil }, false},
		"a second owner": {quota(hard("1", "1Gi")), func(q *corev1.ResourceQuota) {
			q.OwnerReferences = append(q.OwnerReferences, metav1.OwnerReference{Name: "x"})
		}, false},
		// render stopped setting a limit it applied before: an apply removes it.
		"a limit no longer rendered": {quota(corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}), nil, false},
	} {
		live := liveQuota()
		if tc.edit != nil {
			tc.edit(live)
		}
		got, err := applied.UpToDate(tc.desired, live, "landlord-provisioning")
		if err != nil || got != tc.want {
			t.Errorf("%s: UpToDate = %v, %v; want %v", name, got, err, tc.want)
		}
	}
}

// TestServerDefaultsAreNoDifference: the API server fills in a port's
// protocol; that must not look like drift, or every pass would write.
func TestServerDefaultsAreNoDifference(t *testing.T) {
	desired := netac.NetworkPolicy("p", "ns").WithSpec(netac.NetworkPolicySpec().
		WithPodSelector(metav1ac.LabelSelector()).
		WithPolicyTypes(networkingv1.PolicyTypeEgress).
		WithEgress(netac.NetworkPolicyEgressRule().WithPorts(netac.NetworkPolicyPort().WithPort(intstr.FromInt32(53)))))
	tcp, dns := corev1.ProtocolTCP, intstr.FromInt32(53)
	live := func() *networkingv1.NetworkPolicy {
		return &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}, Spec: networkingv1.NetworkPolicySpec{
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress:      []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: &dns}}}},
		}}
	}
	if ok, err := applied.UpToDate(desired, live(), "m"); !ok || err != nil {
		t.Errorf("defaulted protocol counts as a difference (%v)", err)
	}
	// An empty pod selector (every pod) that gained labels selects fewer.
	narrowed := live()
	narrowed.Spec.PodSelector.MatchLabels = map[string]string{"app": "web"}
	if ok, _ := applied.UpToDate(desired, narrowed, "m"); ok {
		t.Error("a narrowed pod selector is no difference")
	}
	extra := live()
	extra.Spec.Egress = append(extra.Spec.Egress, networkingv1.NetworkPolicyEgressRule{})
	if ok, _ := applied.UpToDate(desired, extra, "m"); ok {
		t.Error("an added egress rule is no difference")
	}
}

// TestNumbersFromYAML: CRDs are read from YAML (float64) and compared with
// what the API machinery decodes (int64).
func TestNumbersFromYAML(t *testing.T) {
	if !applied.Contains(map[string]any{"n": float64(3)}, map[string]any{"n": int64(3), "m": "x"}) {
		t.Error("3.0 != 3")
	}
	if applied.Contains(map[string]any{"n": float64(3.5)}, map[string]any{"n": int64(3)}) {
		t.Error("3.5 == 3")
	}
}
