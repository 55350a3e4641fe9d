package v1alpha1

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
	// QuotaName is the ResourceQuota of each tenant namespace.
	QuotaName = "landlord-quota"
	// AnnotationQuotaSeq is the quota service's write a ResourceQuota
	// carries: a write older than it is never applied.
	AnnotationQuotaSeq = "landlord.dev/quota-seq"
)
