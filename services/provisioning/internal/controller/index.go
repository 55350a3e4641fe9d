package controller

import (
	"context"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// Cache indexes. Namespaces are found by the UID of the Tenant that
// controls them, never by a label: a label says what an object claims to
// be, the controller reference (set at creation, by the operator only) who
// made it. Tenants are found by the namespace names and ingress domains
// they claim, so a claim can be checked against every other tenant without
// listing them all.
const (
	// OwnerIndex keys a namespace by its controlling Tenant's UID.
	OwnerIndex = "landlord.dev/owner-uid"
	// ClusterNameIndex keys a Tenant by each cluster namespace name it asks for.
	ClusterNameIndex = "landlord.dev/cluster-names"
	// DomainIndex keys a Tenant by each ingress domain it asks for.
	DomainIndex = "landlord.dev/domains"
	// DomainAncestorIndex keys a Tenant by each of its ingress domains and
	// every parent of them (a.b.c: a.b.c, b.c, c), to find the tenants
	// whose domains lie under a given one.
	DomainAncestorIndex = "landlord.dev/domain-ancestors"
)

// Indexes registers the indexes with the manager's cache; before it starts.
func Indexes(ctx context.Context, indexer client.FieldIndexer) error {
	if err := indexer.IndexField(ctx, &corev1.Namespace{}, OwnerIndex, func(o client.Object) []string {
		if ref := metav1.GetControllerOfNoCopy(o); ref != nil && ref.Kind == "Tenant" {
			return []string{string(ref.UID)}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := indexer.IndexField(ctx, &v1alpha1.Tenant{}, ClusterNameIndex, func(o client.Object) []string {
		t := o.(*v1alpha1.Tenant)
		out := make([]string, 0, len(t.Spec.Namespaces))
		for _, ns := range t.Spec.Namespaces {
			out = append(out, render.ClusterName(t.Name, ns.Name))
		}
		return out
	}); err != nil {
		return err
	}
	if err := indexer.IndexField(ctx, &v1alpha1.Tenant{}, DomainIndex, func(o client.Object) []string {
		var out []string
		for _, d := range o.(*v1alpha1.Tenant).Spec.AllowedIngressDomains {
			out = append(out, string(d))
		}
		return out
	}); err != nil {
		return err
	}
	return indexer.IndexField(ctx, &v1alpha1.Tenant{}, DomainAncestorIndex, func(o client.Object) []string {
		var out []string
		for _, d := range o.(*v1alpha1.Tenant).Spec.AllowedIngressDomains {
			out = append(out, ancestors(string(d))...)
		}
		return out
	})
}

// ancestors are d and every domain above it.
func ancestors(d string) []string {
	out := []string{d}
	for i := strings.IndexByte(d, '.'); i >= 0; i = strings.IndexByte(d, '.') {
		d = d[i+1:]
		out = append(out, d)
	}
	return out
}

// DomainHolders lists the tenants whose ingress domains overlap d: equal
// to it, under it, or above it.
func DomainHolders(ctx context.Context, r client.Reader, d string) ([]v1alpha1.Tenant, error) {
	seen := map[string]bool{}
	var out []v1alpha1.Tenant
	keys := []struct{ index, value string }{{DomainAncestorIndex, d}} // equal or under
	for _, a := range ancestors(d)[1:] {
		keys = append(keys, struct{ index, value string }{DomainIndex, a}) // above
	}
	for _, k := range keys {
		list := &v1alpha1.TenantList{}
		if err := r.List(ctx, list, client.MatchingFields{k.index: k.value}); err != nil {
			return nil, err
		}
		for _, t := range list.Items {
			if !seen[t.Name] {
				seen[t.Name] = true
				out = append(out, t)
			}
		}
	}
	return out, nil
}
