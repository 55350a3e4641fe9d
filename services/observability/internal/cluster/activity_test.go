package cluster

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// A person's change is activity; the controllers' work, status writes and
// Landlord's own changes (hibernation scaling to zero) are not. Trimming
// keeps it, and trimming again changes nothing.
func TestActivityIsAPersonsLastChange(t *testing.T) {
	at := func(min int) *metav1.Time {
		tm := metav1.NewTime(time.Date(2026, 11, 30, 12, min, 0, 0, time.UTC))
		return &tm
	}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "acme-web", ManagedFields: []metav1.ManagedFieldsEntry{
		{Manager: "kubectl-client-side-apply", Operation: metav1.ManagedFieldsOperationUpdate, Time: at(5)},
		{Manager: "kube-controller-manager", Operation: metav1.ManagedFieldsOperationUpdate, Time: at(30)},
		{Manager: "kube-controller-manager", Operation: metav1.ManagedFieldsOperationUpdate, Subresource: "status", Time: at(31)},
		{Manager: "landlord-provisioning", Operation: metav1.ManagedFieldsOperationUpdate, Time: at(40)},
		{Manager: "kubectl-edit", Operation: metav1.ManagedFieldsOperationUpdate, Subresource: "status", Time: at(45)},
		{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply, Time: at(20)},
	}}}
	trimmed := trimDeployment(d)
	if got := activityOf(trimmed); !got.Equal(at(20).Time) {
		t.Errorf("activity %s, want the kubectl apply at %s", got, at(20).Time)
	}
	if again := trimDeployment(trimmed); !activityOf(again).Equal(at(20).Time) {
		t.Errorf("trimmed twice: %s", activityOf(again))
	}
	controllersOnly := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{ManagedFields: []metav1.ManagedFieldsEntry{
		{Manager: "kube-controller-manager", Time: at(30)}, {Manager: "landlord-provisioning", Time: at(40)}},
		CreationTimestamp: *at(1), OwnerReferences: []metav1.OwnerReference{{Kind: "Thing", Name: "x", Controller: ptr.To(true)}}}}
	if got := activityOf(trimDeployment(controllersOnly)); !got.IsZero() {
		t.Errorf("a controller's object with its changes only: activity %s, want none", got)
	}
	// An empty ConfigMap sets no field: no managed fields, only its creation.
	empty := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "tick", CreationTimestamp: *at(50)}}
	if got := activityOf(trimMeta(empty)); !got.Equal(at(50).Time) {
		t.Errorf("an object without managed fields: activity %s, want its creation %s", got, at(50).Time)
	}
	landlords := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "landlord-quota", CreationTimestamp: *at(50),
		Labels: map[string]string{v1alpha1.LabelManagedBy: v1alpha1.ManagedBy}}}
	if got := activityOf(trimMeta(landlords)); !got.IsZero() {
		t.Errorf("Landlord's own object: activity %s, want none", got)
	}
}
