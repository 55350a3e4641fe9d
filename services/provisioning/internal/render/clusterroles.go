package render

import (
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	rbacac "k8s.io/client-go/applyconfigurations/rbac/v1"
)

// The ClusterRoles tenant role groups are bound to in each namespace.
const (
	TenantAdminRole  = "landlord-tenant-admin"
	TenantEditorRole = "landlord-tenant-editor"
	TenantViewerRole = "landlord-tenant-viewer"
)

// ClusterRoles aggregate Kubernetes' admin, edit and view roles (and any
// role labelled for Landlord), so tenant roles follow what the cluster's
// own roles allow, including CRDs that extend them. Landlord-managed
// objects are protected by admission policies, not by these roles.
func ClusterRoles() []*rbacac.ClusterRoleApplyConfiguration {
	var out []*rbacac.ClusterRoleApplyConfiguration
	for _, r := range []struct{ name, builtin, own string }{
		{TenantAdminRole, "admin", "tenant-admin"},
		{TenantEditorRole, "edit", "tenant-editor"},
		{TenantViewerRole, "view", "tenant-viewer"},
	} {
		out = append(out, rbacac.ClusterRole(r.name).
			WithLabels(map[string]string{LabelManagedBy: ManagedBy}).
			WithAggregationRule(rbacac.AggregationRule().WithClusterRoleSelectors(
				metav1ac.LabelSelector().WithMatchLabels(map[string]string{"rbac.authorization.k8s.io/aggregate-to-" + r.builtin: "true"}),
				metav1ac.LabelSelector().WithMatchLabels(map[string]string{"landlord.dev/aggregate-to-" + r.own: "true"}),
			)))
	}
	return out
}
