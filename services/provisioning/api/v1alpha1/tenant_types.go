package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PodSecurityLevel is the Pod Security Standard a tenant's namespaces enforce.
// +kubebuilder:validation:Enum=restricted;baseline
type PodSecurityLevel string

// Pod Security levels a tenant may have. Privileged is never offered.
const (
	PodSecurityRestricted PodSecurityLevel = "restricted"
	PodSecurityBaseline   PodSecurityLevel = "baseline"
)

// NetworkIsolation says which traffic may reach a tenant's pods.
// +kubebuilder:validation:Enum=Tenant;Namespace
type NetworkIsolation string

// Network isolation modes.
const (
	// NetworkIsolationTenant allows traffic between the tenant's namespaces
	// and denies it from other tenants and the world.
	NetworkIsolationTenant NetworkIsolation = "Tenant"
	// NetworkIsolationNamespace allows traffic only within each namespace.
	NetworkIsolationNamespace NetworkIsolation = "Namespace"
)

// TenantNamespace is one namespace of a tenant. Its cluster name is
// "<tenant>-<name>".
type TenantNamespace struct {
	// Name is the tenant-local name: a DNS label.
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:MaxLength=62
	Name string `json:"name"`
}

// IngressDomain is a lower-case DNS name with at least two labels.
// +kubebuilder:validation:Pattern=`^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]([-a-z0-9]*[a-z0-9])?$`
// +kubebuilder:validation:MaxLength=253
type IngressDomain string

// HibernationPolicy says whether a tenant sleeps and when it may be put to sleep.
type HibernationPolicy struct {
	// Hibernated asks for the tenant's workloads to be scaled to zero (true)
	// or restored (false).
	// +optional
	Hibernated bool `json:"hibernated,omitempty"`
	// IdleAfter lets Landlord hibernate the tenant after this long without
	// activity; unset never hibernates it automatically.
	// +optional
	IdleAfter *metav1.Duration `json:"idleAfter,omitempty"`
	// Reason says, while Hibernated, who asked: Idle (Landlord found the
	// tenant idle; a member's next request wakes it) or Requested.
	// +optional
	Reason HibernationReason `json:"reason,omitempty"`
}

// HibernationReason says who put a tenant to sleep.
// +kubebuilder:validation:Enum=Requested;Idle
type HibernationReason string

// Hibernation reasons.
const (
	HibernationRequested HibernationReason = "Requested"
	HibernationIdle      HibernationReason = "Idle"
)

// TenantSpec is what a tenant should be.
type TenantSpec struct {
	// DisplayName is a human-readable name.
	// +kubebuilder:validation:MaxLength=128
	// +optional
	DisplayName string `json:"displayName,omitempty"`

	// Plan names the plan (tier) whose limits apply.
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:MaxLength=63
	Plan string `json:"plan"`

	// Namespaces are the tenant's namespaces.
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=100
	// +optional
	Namespaces []TenantNamespace `json:"namespaces,omitempty"`

	// PodSecurity is the Pod Security Standard enforced in every namespace.
	// Only platform admins may choose baseline.
	// +kubebuilder:default=restricted
	// +optional
	PodSecurity PodSecurityLevel `json:"podSecurity,omitempty"`

	// NetworkIsolation says which traffic may reach the tenant's pods.
	// +kubebuilder:default=Tenant
	// +optional
	NetworkIsolation NetworkIsolation `json:"networkIsolation,omitempty"`

	// AllowedStorageClasses are the storage classes the tenant's claims may
	// use; empty allows none.
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +optional
	AllowedStorageClasses []string `json:"allowedStorageClasses,omitempty"`

	// AllowedIngressDomains are the DNS domains the tenant's Ingresses may
	// serve (the domain itself and every name under it); empty allows no
	// Ingress host. No two tenants' domains overlap: the older tenant keeps
	// a domain both claim.
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +optional
	AllowedIngressDomains []IngressDomain `json:"allowedIngressDomains,omitempty"`

	// Hibernation is the tenant's hibernation policy.
	// +optional
	Hibernation HibernationPolicy `json:"hibernation,omitempty"`

	// DeletionProtection refuses deletion of the tenant while true.
	// +optional
	DeletionProtection bool `json:"deletionProtection,omitempty"`
}

// TenantPhase is where a tenant is in its life.
// +kubebuilder:validation:Enum=Pending;Provisioning;Active;Hibernating;Hibernated;Waking;Terminating;Failed
type TenantPhase string

// Tenant phases.
const (
	PhasePending      TenantPhase = "Pending"
	PhaseProvisioning TenantPhase = "Provisioning"
	PhaseActive       TenantPhase = "Active"
	PhaseHibernating  TenantPhase = "Hibernating"
	PhaseHibernated   TenantPhase = "Hibernated"
	PhaseWaking       TenantPhase = "Waking"
	PhaseTerminating  TenantPhase = "Terminating"
	PhaseFailed       TenantPhase = "Failed"
)

// Names the operator writes under, part of the API: clients and other
// controllers see them on every Tenant and on every object Landlord manages.
const (
	// Finalizer holds a deleted Tenant until its namespaces are gone.
	Finalizer = "landlord.dev/namespaces"
	// FieldManager owns every field provisioning writes to the cluster
	// (server-side apply, creates and status patches).
	FieldManager = "landlord-provisioning"
)

// Condition types a tenant reports.
const (
	ConditionReady           = "Ready"
	ConditionNamespacesReady = "NamespacesReady"
	ConditionAccessReady     = "AccessReady"
	ConditionQuotaReady      = "QuotaReady"
	ConditionPoliciesReady   = "PoliciesReady"
	// ConditionDeleting says, on a terminating tenant, what its deletion waits for.
	ConditionDeleting = "Deleting"
)

// NamespaceStatus is the state of one of the tenant's namespaces.
type NamespaceStatus struct {
	// Name is the tenant-local name.
	Name string `json:"name"`
	// ClusterName is the namespace's name in the cluster.
	ClusterName string `json:"clusterName"`
	// Ready is true once every object of the namespace is in place.
	Ready bool `json:"ready"`
	// Message says what is missing, if anything.
	// +optional
	Message string `json:"message,omitempty"`
}

// TenantStatus is what a tenant is.
type TenantStatus struct {
	// Phase summarises the tenant's state.
	// +optional
	Phase TenantPhase `json:"phase,omitempty"`
	// ObservedGeneration is the spec generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions: Ready, NamespacesReady, AccessReady, QuotaReady, PoliciesReady;
	// Deleting while the tenant terminates.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// Namespaces is the state of each namespace.
	// +listType=map
	// +listMapKey=name
	// +optional
	Namespaces []NamespaceStatus `json:"namespaces,omitempty"`
	// NamespaceCount is the number of namespaces, for printing.
	// +optional
	NamespaceCount int32 `json:"namespaceCount,omitempty"`
}

// Tenant is one customer or team sharing the cluster.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=tn
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Plan",type=string,JSONPath=`.spec.plan`
// +kubebuilder:printcolumn:name="Namespaces",type=integer,JSONPath=`.status.namespaceCount`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$')",message="tenant names are lower-case DNS labels of at most 40 characters that start with a letter, so that namespace names fit"
// +kubebuilder:validation:XValidation:rule="!['kube-', 'landlord-', 'openshift-'].exists(p, (self.metadata.name + '-').startsWith(p))",message="tenant names may not be kube, landlord or openshift or start with kube-, landlord- or openshift-: those namespaces belong to the cluster"
// +kubebuilder:validation:XValidation:rule="!has(self.spec.namespaces) || self.spec.namespaces.all(n, !(self.metadata.name + '-' + n.name).endsWith('-system'))",message="namespace names ending in -system are reserved for platform components"
// +kubebuilder:validation:XValidation:rule="!has(self.spec.namespaces) || self.spec.namespaces.all(n, size(self.metadata.name) + 1 + size(n.name) <= 63)",message="<tenant>-<namespace> must be at most 63 characters"
type Tenant struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   TenantSpec   `json:"spec"`
	Status TenantStatus `json:"status,omitempty"`
}

// TenantList is a list of tenants.
//
// +kubebuilder:object:root=true
type TenantList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Tenant `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Tenant{}, &TenantList{})
}
