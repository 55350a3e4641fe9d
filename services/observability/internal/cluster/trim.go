package cluster

import (
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/landlord-dev/landlord/services/observability/internal/usage"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// The informers keep only what usage needs: each transform runs once per
// object as it enters the cache, and gives the same result when run on
// its own output.

// ident keeps the fields that identify an object to its cache, and when
// a person last changed it (activity).
func ident(m metav1.ObjectMeta) metav1.ObjectMeta {
	out := metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, UID: m.UID, ResourceVersion: m.ResourceVersion}
	if at, ok := m.Annotations[annotationActivity]; ok { // trimmed already
		out.Annotations = map[string]string{annotationActivity: at}
	} else if at := activity(m); !at.IsZero() {
		out.Annotations = map[string]string{annotationActivity: at.UTC().Format(time.RFC3339)}
	}
	return out
}

// annotationActivity carries, on a trimmed object in the cache only, the
// time of its last change by a person (activity).
const annotationActivity = "observability.landlord.dev/activity"

// controllers are the field managers whose changes are the cluster's or
// Landlord's own work, not a tenant's: a ReplicaSet's pods, the
// scheduler's bindings, hibernation scaling workloads to zero.
var controllers = map[string]bool{
	"kube-controller-manager": true, "kube-scheduler": true, "kubelet": true, v1alpha1.FieldManager: true,
}

// activity is when a person last changed the object: the newest time of
// its managed fields written by anyone but the controllers, status
// writes left out, or its creation unless a controller made it (it has a
// controlling owner) or Landlord did (its label). An object that sets no
// field, like an empty ConfigMap, has no managed fields: its creation is
// all there is to see. Second precision, as the API server records it.
func activity(m metav1.ObjectMeta) time.Time {
	var last time.Time
	if m.Labels[v1alpha1.LabelManagedBy] != v1alpha1.ManagedBy && metav1.GetControllerOfNoCopy(&m) == nil {
		last = m.CreationTimestamp.Time
	}
	for _, f := range m.ManagedFields {
		if f.Subresource != "" || controllers[f.Manager] || f.Time == nil {
			continue
		}
		if f.Time.After(last) {
			last = f.Time.Time
		}
	}
	return last
}

// activityOf reads what ident recorded.
func activityOf(obj metav1.Object) time.Time {
	at, _ := time.Parse(time.RFC3339, obj.GetAnnotations()[annotationActivity])
	return at
}

// transform makes a cache transform of a typed trim; anything else (a
// DeletedFinalStateUnknown) passes unchanged.
func transform[T any](trim func(T) T) func(any) (any, error) {
	return func(obj any) (any, error) {
		if o, ok := obj.(T); ok {
			return trim(o), nil
		}
		return obj, nil
	}
}

// trimPod keeps the phase and the pod's effective requests and limits,
// as one container.
func trimPod(p *corev1.Pod) *corev1.Pod {
	req, lim := usage.PodResources(&p.Spec)
	return &corev1.Pod{ObjectMeta: ident(p.ObjectMeta),
		Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "sum", Resources: corev1.ResourceRequirements{Requests: req, Limits: lim}}}},
		Status: corev1.PodStatus{Phase: p.Status.Phase}}
}

func trimPVC(c *corev1.PersistentVolumeClaim) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{ObjectMeta: ident(c.ObjectMeta), Spec: corev1.PersistentVolumeClaimSpec{
		Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
			corev1.ResourceStorage: c.Spec.Resources.Requests[corev1.ResourceStorage]}}}}
}

func trimDeployment(d *appsv1.Deployment) *appsv1.Deployment {
	return &appsv1.Deployment{ObjectMeta: ident(d.ObjectMeta), Spec: appsv1.DeploymentSpec{Replicas: d.Spec.Replicas},
		Status: appsv1.DeploymentStatus{ReadyReplicas: d.Status.ReadyReplicas}}
}

func trimStatefulSet(s *appsv1.StatefulSet) *appsv1.StatefulSet {
	return &appsv1.StatefulSet{ObjectMeta: ident(s.ObjectMeta), Spec: appsv1.StatefulSetSpec{Replicas: s.Spec.Replicas},
		Status: appsv1.StatefulSetStatus{ReadyReplicas: s.Status.ReadyReplicas}}
}

func trimQuota(q *corev1.ResourceQuota) *corev1.ResourceQuota {
	return &corev1.ResourceQuota{ObjectMeta: ident(q.ObjectMeta), Status: corev1.ResourceQuotaStatus{Hard: q.Status.Hard, Used: q.Status.Used}}
}

// trimNamespace keeps what tells whose the namespace is: the tenant label
// and the controlling owner.
func trimNamespace(ns *corev1.Namespace) *corev1.Namespace {
	m := ident(ns.ObjectMeta)
	if t, ok := ns.Labels[v1alpha1.LabelTenant]; ok {
		m.Labels = map[string]string{v1alpha1.LabelTenant: t}
	}
	if ref := metav1.GetControllerOfNoCopy(ns); ref != nil {
		m.OwnerReferences = []metav1.OwnerReference{*ref}
	}
	m.DeletionTimestamp = ns.DeletionTimestamp
	return &corev1.Namespace{ObjectMeta: m}
}

// trimTenant keeps what idleness needs besides identity: its etag
// (generation), age, idle policy and phase.
func trimTenant(t *v1alpha1.Tenant) *v1alpha1.Tenant {
	m := ident(t.ObjectMeta)
	m.Generation, m.CreationTimestamp, m.DeletionTimestamp = t.Generation, t.CreationTimestamp, t.DeletionTimestamp
	return &v1alpha1.Tenant{ObjectMeta: m, Spec: v1alpha1.TenantSpec{Hibernation: t.Spec.Hibernation},
		Status: v1alpha1.TenantStatus{Phase: t.Status.Phase}}
}

// trimMeta keeps a metadata-only object's identity: it is only counted.
func trimMeta(o *metav1.PartialObjectMetadata) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{TypeMeta: o.TypeMeta, ObjectMeta: ident(o.ObjectMeta)}
}

// metadataOnly is the cache key of a kind watched as metadata only.
func metadataOnly(gv, kind string) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: gv, Kind: kind}}
}

// maxEventMessage bounds an event's message in the cache (events.k8s.io
// caps its note at 1 kB; core/v1 does not).
const maxEventMessage = 1024

// trimEvent keeps what a tenant's event stream shows, with the times and
// count of an events.k8s.io Event (eventTime, series) folded into the
// core/v1 fields.
func trimEvent(e *corev1.Event) *corev1.Event {
	first, last, count := e.FirstTimestamp, e.LastTimestamp, e.Count
	if first.IsZero() {
		first = metav1.NewTime(e.EventTime.Time)
	}
	if e.Series != nil {
		if last.IsZero() {
			last = metav1.NewTime(e.Series.LastObservedTime.Time)
		}
		if count == 0 {
			count = e.Series.Count
		}
	}
	if last.IsZero() {
		last = first
	}
	msg := e.Message
	if len(msg) > maxEventMessage {
		msg = strings.ToValidUTF8(msg[:maxEventMessage], "")
	}
	o := e.InvolvedObject
	return &corev1.Event{ObjectMeta: ident(e.ObjectMeta), Type: e.Type, Reason: e.Reason, Message: msg,
		InvolvedObject: corev1.ObjectReference{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name, UID: o.UID},
		Count:          max(count, 1), FirstTimestamp: first, LastTimestamp: last}
}
