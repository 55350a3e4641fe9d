package provisioning_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
)

// TestTenantLifecycleThroughTheAPI is a platform admin and a tenant's
// owner, admin and viewer using TenantService with identity tokens: every
// answer comes from the real operator on the real cluster.
func TestTenantLifecycleThroughTheAPI(t *testing.T) {
	s := started(t)
	kube := devclustertest.Admin(t)
	owner := s.member(t, "life-owner", "life", identityv1.Role_ROLE_OWNER)
	viewer := s.member(t, "life-viewer", "life", identityv1.Role_ROLE_VIEWER)
	stranger := s.member(t, "life-stranger", "", 0)

	req := &provisioningv1.CreateTenantRequest{RequestId: "create-life-1", Tenant: &provisioningv1.Tenant{
		Name: "life", DisplayName: "Life Inc", Plan: "standard", DeletionProtection: true,
		Namespaces: []*provisioningv1.Namespace{{Name: "web"}}}}
	_, err := s.tenants.CreateTenant(owner, req)
	code(t, err, codes.PermissionDenied, "owner creating a tenant")
	first, err := s.tenants.CreateTenant(s.admin, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.tenants.CreateTenant(s.admin, req)
	if err != nil || again.GetTenant().GetCreateTime().AsTime() != first.GetTenant().GetCreateTime().AsTime() {
		t.Fatalf("retried create = %v, %v; want the first call's tenant", again, err)
	}
	req.RequestId = "create-life-2"
	_, err = s.tenants.CreateTenant(s.admin, req)
	code(t, err, codes.AlreadyExists, "second create with another request id")

	active := s.waitPhase(t, "life", provisioningv1.Phase_PHASE_ACTIVE)
	for _, c := range active.GetConditions() {
		if !c.GetStatus() || c.GetObservedGeneration() != active.GetGeneration() {
			t.Errorf("condition %s = %v at generation %d, want true at %d", c.GetType(), c.GetStatus(), c.GetObservedGeneration(), active.GetGeneration())
		}
	}
	if len(active.GetConditions()) != 5 {
		t.Errorf("conditions %v, want Ready, NamespacesReady, AccessReady, QuotaReady, PoliciesReady", active.GetConditions())
	}
	if ns := active.GetNamespaces(); len(ns) != 1 || ns[0].GetClusterName() != "life-web" || !ns[0].GetReady() {
		t.Errorf("namespaces %v, want life-web ready", ns)
	}

	// Visibility: members see their tenant, strangers see nothing of it.
	if _, err := s.tenants.GetTenant(viewer, &provisioningv1.GetTenantRequest{Name: "life"}); err != nil {
		t.Errorf("viewer get: %v", err)
	}
	_, err = s.tenants.GetTenant(stranger, &provisioningv1.GetTenantRequest{Name: "life"})
	code(t, err, codes.NotFound, "stranger get")
	_, missing := s.tenants.GetTenant(stranger, &provisioningv1.GetTenantRequest{Name: "no-such-tenant"})
	if status.Convert(err).Message() != strings.ReplaceAll(status.Convert(missing).Message(), "no-such-tenant", "life") {
		t.Errorf("a stranger tells an existing tenant (%v) from a missing one (%v)", err, missing)
	}
	list, err := s.tenants.ListTenants(stranger, &provisioningv1.ListTenantsRequest{})
	if err != nil || len(list.GetTenants()) != 0 {
		t.Errorf("stranger list = %v, %v; want nothing", list.GetTenants(), err)
	}
	list, err = s.tenants.ListTenants(viewer, &provisioningv1.ListTenantsRequest{Filter: "phase=active"})
	if err != nil || len(list.GetTenants()) != 1 || list.GetTenants()[0].GetName() != "life" {
		t.Errorf("viewer list = %v, %v; want only life", list.GetTenants(), err)
	}

	// Update: the owner changes its settings with the etag it read; an
	// old etag is refused; the plan is the platform's to change.
	upd := &provisioningv1.Tenant{Name: "life", DisplayName: "Life Ltd", Etag: active.GetEtag()}
	mask := &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}
	_, err = s.tenants.UpdateTenant(viewer, &provisioningv1.UpdateTenantRequest{Tenant: upd, UpdateMask: mask})
	code(t, err, codes.PermissionDenied, "viewer update")
	updated, err := s.tenants.UpdateTenant(owner, &provisioningv1.UpdateTenantRequest{Tenant: upd, UpdateMask: mask})
	if err != nil || updated.GetTenant().GetDisplayName() != "Life Ltd" {
		t.Fatalf("owner update = %v, %v", updated, err)
	}
	_, err = s.tenants.UpdateTenant(owner, &provisioningv1.UpdateTenantRequest{Tenant: upd, UpdateMask: mask})
	code(t, err, codes.Aborted, "update with a stale etag")
	_, err = s.tenants.UpdateTenant(owner, &provisioningv1.UpdateTenantRequest{
		Tenant: &provisioningv1.Tenant{Name: "life", Plan: "enterprise"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"plan"}}})
	code(t, err, codes.PermissionDenied, "owner changing the plan")
	_, err = s.tenants.UpdateTenant(owner, &provisioningv1.UpdateTenantRequest{
		Tenant:     &provisioningv1.Tenant{Name: "life", PodSecurity: provisioningv1.PodSecurityLevel_POD_SECURITY_LEVEL_BASELINE},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"pod_security"}}})
	code(t, err, codes.PermissionDenied, "owner lowering Pod Security to baseline")

	// Namespaces: self-service for the owner, within the plan.
	if _, err := s.tenants.CreateNamespace(owner, &provisioningv1.CreateNamespaceRequest{Tenant: "life", Namespace: &provisioningv1.Namespace{Name: "api"}}); err != nil {
		t.Fatal(err)
	}
	_, err = s.tenants.CreateNamespace(viewer, &provisioningv1.CreateNamespaceRequest{Tenant: "life", Namespace: &provisioningv1.Namespace{Name: "x"}})
	code(t, err, codes.PermissionDenied, "viewer creating a namespace")
	_, err = s.tenants.CreateNamespace(owner, &provisioningv1.CreateNamespaceRequest{Tenant: "life", Namespace: &provisioningv1.Namespace{Name: "api"}})
	code(t, err, codes.AlreadyExists, "namespace created twice")
	s.waitPhase(t, "life", provisioningv1.Phase_PHASE_ACTIVE)
	if _, err := kube.CoreV1().Namespaces().Get(t.Context(), "life-api", metav1.GetOptions{}); err != nil {
		t.Errorf("namespace life-api: %v", err)
	}
	// An Active tenant stays Active while a namespace it adds waits for its
	// quota; the namespace says so until it is ready.
	devclustertest.Eventually(t, 60*time.Second, func() error {
		nss, err := s.tenants.ListNamespaces(viewer, &provisioningv1.ListNamespacesRequest{Tenant: "life"})
		if err != nil || len(nss.GetNamespaces()) != 2 || !nss.GetNamespaces()[1].GetReady() {
			return fmt.Errorf("namespaces = %v, %v; want web and api, ready", nss.GetNamespaces(), err)
		}
		return nil
	})
	if _, err := s.tenants.DeleteNamespace(owner, &provisioningv1.DeleteNamespaceRequest{Tenant: "life", Name: "api"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.tenants.DeleteNamespace(owner, &provisioningv1.DeleteNamespaceRequest{Tenant: "life", Name: "api"})
	code(t, err, codes.NotFound, "namespace deleted twice")
	devclustertest.Eventually(t, 60*time.Second, func() error {
		_, err := kube.CoreV1().Namespaces().Get(t.Context(), "life-api", metav1.GetOptions{})
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("life-api still there: %v", err)
		}
		return nil
	})

	// Hibernate and wake.
	if _, err := s.tenants.HibernateTenant(owner, &provisioningv1.HibernateTenantRequest{Name: "life"}); err != nil {
		t.Fatal(err)
	}
	s.waitPhase(t, "life", provisioningv1.Phase_PHASE_HIBERNATED)
	if _, err := s.tenants.WakeTenant(owner, &provisioningv1.WakeTenantRequest{Name: "life"}); err != nil {
		t.Fatal(err)
	}
	s.waitPhase(t, "life", provisioningv1.Phase_PHASE_ACTIVE)

	// Delete: protection first, then only the owner.
	_, err = s.tenants.DeleteTenant(owner, &provisioningv1.DeleteTenantRequest{Name: "life"})
	code(t, err, codes.FailedPrecondition, "deleting a protected tenant")
	_, err = s.tenants.UpdateTenant(owner, &provisioningv1.UpdateTenantRequest{
		Tenant: &provisioningv1.Tenant{Name: "life"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"deletion_protection"}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.tenants.DeleteTenant(viewer, &provisioningv1.DeleteTenantRequest{Name: "life"})
	code(t, err, codes.PermissionDenied, "viewer delete")
	if _, err := s.tenants.DeleteTenant(owner, &provisioningv1.DeleteTenantRequest{Name: "life"}); err != nil {
		t.Fatal(err)
	}
	devclustertest.Eventually(t, 90*time.Second, func() error {
		_, err := s.tenants.GetTenant(owner, &provisioningv1.GetTenantRequest{Name: "life"})
		if status.Code(err) != codes.NotFound {
			return fmt.Errorf("tenant still there: %v", err)
		}
		left, err := kube.CoreV1().Namespaces().List(t.Context(), metav1.ListOptions{LabelSelector: "landlord.dev/tenant=life"})
		if err != nil || len(left.Items) > 0 {
			return fmt.Errorf("namespaces left: %v", names(left))
		}
		return nil
	})
}

// TestWatchStreamsOnlyTheCallersTenants watches as a member and as a
// stranger while a tenant is created and becomes Active.
func TestWatchStreamsOnlyTheCallersTenants(t *testing.T) {
	s := started(t)
	member := s.member(t, "watch-member", "watched", identityv1.Role_ROLE_VIEWER)
	stranger := s.member(t, "watch-stranger", "", 0)
	mine, err := s.tenants.WatchTenants(member, &provisioningv1.WatchTenantsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := s.tenants.WatchTenants(stranger, &provisioningv1.WatchTenantsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	s.create(t, &provisioningv1.Tenant{Name: "watched", Plan: "free", Namespaces: []*provisioningv1.Namespace{{Name: "app"}}})
	var phases []provisioningv1.Phase
	for !slices.Contains(phases, provisioningv1.Phase_PHASE_ACTIVE) {
		e, err := mine.Recv()
		if err != nil {
			t.Fatalf("watch: %v (phases so far %v)", err, phases)
		}
		if e.GetTenant().GetName() != "watched" {
			t.Fatalf("member saw tenant %s", e.GetTenant().GetName())
		}
		phases = append(phases, e.GetTenant().GetPhase())
	}
	if phases[0] != provisioningv1.Phase_PHASE_PENDING {
		t.Errorf("first event's phase %v, want PENDING (then %v)", phases[0], phases)
	}
	// The stranger's stream saw nothing: nothing arrives before it ends.
	done := make(chan error, 1)
	go func() {
		e, err := theirs.Recv()
		if err == nil {
			err = fmt.Errorf("stranger saw %s", e.GetTenant().GetName())
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Errorf("stranger's watch: %v", err)
	case <-time.After(2 * time.Second):
	}
}

func names(list *corev1.NamespaceList) []string {
	var out []string
	if list != nil {
		for _, ns := range list.Items {
			out = append(out, ns.Name)
		}
	}
	return out
}
