// Package v1alpha1 is the Tenant API (tenants.landlord.dev/v1alpha1): the
// custom resource provisioning owns and reconciles into namespaces, RBAC,
// quotas, policies and flow schemas.
//
// +kubebuilder:object:generate=true
// +groupName=landlord.dev
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of Tenant.
	GroupVersion = schema.GroupVersion{Group: "landlord.dev", Version: "v1alpha1"}

	// SchemeBuilder registers the types with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the types of this group-version to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
