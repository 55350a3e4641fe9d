package v1alpha1

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ClusterName is a tenant namespace's name in the cluster: the tenant's
// name, a dash, the namespace's name.
func ClusterName(tenant, namespace string) string { return tenant + "-" + namespace }

// Labels and annotations on the objects Landlord manages, read by the
// services that watch them.
const (
	LabelTenant    = "landlord.dev/tenant"
	LabelNamespace = "landlord.dev/namespace"
	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedBy      = "landlord-provisioning"
	// QuotaName is the ResourceQuota of each tenant namespace that bounds
	// what pods consume, ObjectsQuotaName the one that bounds everything
	// else (QuotaNameFor).
	QuotaName        = "landlord-quota"
	ObjectsQuotaName = "landlord-quota-objects"
	// AnnotationQuotaSeq is the quota service's write a ResourceQuota
	// carries: a write older than it is never applied.
	AnnotationQuotaSeq = "landlord.dev/quota-seq"
)

// QuotaNames are the ResourceQuotas of a tenant namespace, in the order
// they are written.
var QuotaNames = []string{ObjectsQuotaName, QuotaName}

// QuotaNameFor is the ResourceQuota of a tenant namespace that bounds
// resource. A tenant's limits are split in two because the API server
// updates the status of every quota that names a resource an object
// consumes on each admission: a pod admitted against one quota of a few
// compute resources is cheap, against one that also counts thirty kinds
// of object it took nearly twice as long (bench-quota). Pods consume
// pods, CPU, memory, ephemeral storage and extended resources, so
// anything not known to be another kind's goes with them; a resource in
// the wrong one costs speed, never correctness.
func QuotaNameFor(resource string) string {
	switch {
	case resource == "count/pods":
		return QuotaName
	case strings.HasPrefix(resource, "count/"), strings.HasPrefix(resource, "services"),
		strings.Contains(resource, ".storageclass.storage.k8s.io/"):
		return ObjectsQuotaName
	}
	switch resource {
	case "persistentvolumeclaims", "replicationcontrollers", "requests.storage", "resourcequotas", "secrets", "configmaps":
		return ObjectsQuotaName
	}
	return QuotaName
}

// Etag is a tenant's etag in Landlord's APIs: its generation, which every
// change to its spec bumps.
func Etag(t *Tenant) string { return strconv.FormatInt(t.Generation, 10) }

// Owns says whether ns is t's: it carries t's label and names this Tenant
// (by UID) as its controller, so a foreign namespace whose name collides
// with one of t's, or a namespace of an earlier tenant of the same name,
// is never t's.
func Owns(t *Tenant, ns *corev1.Namespace) bool {
	if ns.Labels[LabelTenant] != t.Name {
		return false
	}
	ref := metav1.GetControllerOfNoCopy(ns)
	return ref != nil && ref.UID == t.UID
}
