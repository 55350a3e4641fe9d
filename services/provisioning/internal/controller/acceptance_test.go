package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// These tests say, as tenant users (impersonated as identity's tokens
// would say), what a tenant can and cannot do; each refusal names the
// status reason the API server answers with, which shows which layer
// refused: RBAC and Pod Security and quota say Forbidden, the
// managed-object policy says Invalid.

var dryRunCreate = metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}

func TestTenantEditorWorksInItsNamespaceOnly(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	provision(t, c, "acc-editor", v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}}})
	provision(t, c, "acc-neighbour", v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}}})
	ns := "acc-editor-web"
	waitQuotaTracked(t, ns)
	editor := impersonate(t, "landlord:eve", "landlord:tenant:acc-editor:editor")

	labels := map[string]string{"app": "web"}
	deploy := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: appsv1.DeploymentSpec{
		Replicas: ptr.To[int32](1), Selector: &metav1.LabelSelector{MatchLabels: labels},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: compliantPod("web").Spec}}}
	if _, err := editor.AppsV1().Deployments(ns).Create(ctx, deploy, metav1.CreateOptions{}); err != nil {
		t.Errorf("deployment: %v", err)
	}
	if _, err := editor.CoreV1().Services(ns).Create(ctx, service("web", corev1.ServiceTypeClusterIP), metav1.CreateOptions{}); err != nil {
		t.Errorf("ClusterIP service: %v", err)
	}
	if _, err := editor.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings"}}, metav1.CreateOptions{}); err != nil {
		t.Errorf("config map: %v", err)
	}
	// The compliant pod is admitted: the refusals below are each one
	// violation at work, not a broken pod.
	if _, err := editor.CoreV1().Pods(ns).Create(ctx, compliantPod("fine"), dryRunCreate); err != nil {
		t.Errorf("compliant pod: %v", err)
	}

	t.Run("not in another tenant", func(t *testing.T) {
		other := "acc-neighbour-web"
		_, err := editor.CoreV1().ConfigMaps(other).List(ctx, metav1.ListOptions{})
		wantReason(t, "list config maps", err, metav1.StatusReasonForbidden, "")
		_, err = editor.CoreV1().ServiceAccounts(other).Get(ctx, "default", metav1.GetOptions{})
		wantReason(t, "get a service account", err, metav1.StatusReasonForbidden, "")
	})

	t.Run("not cluster-scoped objects", func(t *testing.T) {
		for _, path := range []string{
			"/api/v1/nodes", "/api/v1/nodes/node-1",
			"/api/v1/namespaces", "/api/v1/namespaces/default",
			"/apis/apiextensions.k8s.io/v1/customresourcedefinitions", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/tenants.landlord.dev",
			"/apis/rbac.authorization.k8s.io/v1/clusterroles", "/apis/rbac.authorization.k8s.io/v1/clusterroles/cluster-admin",
			"/apis/landlord.dev/v1alpha1/tenants", "/apis/landlord.dev/v1alpha1/tenants/acc-neighbour",
		} {
			err := editor.CoreV1().RESTClient().Get().AbsPath(path).Do(ctx).Error()
			wantReason(t, "GET "+path, err, metav1.StatusReasonForbidden, "")
		}
	})

	t.Run("Pod Security restricted", func(t *testing.T) {
		for name, violate := range map[string]func(*corev1.Pod){
			"privileged": func(p *corev1.Pod) {
				// Privileged with allowPrivilegeEscalation false is not even valid.
				p.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = nil
				p.Spec.Containers[0].SecurityContext.Privileged = ptr.To(true)
			},
			"hostNetwork": func(p *corev1.Pod) { p.Spec.HostNetwork = true },
			"hostPID":     func(p *corev1.Pod) { p.Spec.HostPID = true },
			"hostIPC":     func(p *corev1.Pod) { p.Spec.HostIPC = true },
			"hostPath": func(p *corev1.Pod) {
				p.Spec.Volumes = []corev1.Volume{{Name: "root", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}}
			},
			"NET_ADMIN": func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext.Capabilities.Add = []corev1.Capability{"NET_ADMIN"}
			},
			"allowPrivilegeEscalation": func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = ptr.To(true)
			},
		} {
			t.Run(name, func(t *testing.T) {
				pod := compliantPod(strings.ReplaceAll(strings.ToLower(name), "_", "-"))
				violate(pod)
				_, err := editor.CoreV1().Pods(ns).Create(ctx, pod, dryRunCreate)
				wantReason(t, name, err, metav1.StatusReasonForbidden, "violates PodSecurity")
			})
		}
	})

	t.Run("no NodePort or LoadBalancer", func(t *testing.T) {
		for _, typ := range []corev1.ServiceType{corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer} {
			_, err := editor.CoreV1().Services(ns).Create(ctx, service("exposed", typ), dryRunCreate)
			wantReason(t, string(typ), err, metav1.StatusReasonForbidden, "not allowed by plan standard")
		}
	})

	t.Run("not its namespace", func(t *testing.T) {
		relabel := []byte(`{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"privileged"}}}`)
		err := editor.CoreV1().RESTClient().Patch("application/merge-patch+json").AbsPath("/api/v1/namespaces/" + ns).
			Body(relabel).Do(ctx).Error()
		wantReason(t, "relabel", err, metav1.StatusReasonForbidden, "")
		err = editor.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}})
		wantReason(t, "delete", err, metav1.StatusReasonForbidden, "")
		_, err = editor.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "acc-editor-extra"}}, dryRunCreate)
		wantReason(t, "create", err, metav1.StatusReasonForbidden, "")
	})

	t.Run("no escalation", func(t *testing.T) {
		wantNoEscalation(t, editor, ns)
	})
}

// TestTenantCannotTouchLandlordsObjects covers, for editors and admins,
// changing and deleting each object Landlord manages in a namespace, except
// the cases TestTenantBecomesActiveAndEditorsWorkOnlyInIt already covers.
func TestTenantCannotTouchLandlordsObjects(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	provision(t, c, "acc-managed", v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}}})
	ns := "/namespaces/acc-managed-web/"
	objects := map[string]string{
		"quota":          "/api/v1" + ns + "resourcequotas/" + render.QuotaName,
		"objects quota":  "/api/v1" + ns + "resourcequotas/" + v1alpha1.ObjectsQuotaName,
		"limit range":    "/api/v1" + ns + "limitranges/" + render.LimitRangeName,
		"network policy": "/apis/networking.k8s.io/v1" + ns + "networkpolicies/" + render.IsolationName,
		"role binding":   "/apis/rbac.authorization.k8s.io/v1" + ns + "rolebindings/landlord-editors",
	}
	forbidden, invalid := metav1.StatusReasonForbidden, metav1.StatusReasonInvalid
	for _, tc := range []struct {
		role, object string
		// RBAC refuses what the role cannot write at all (Forbidden); the
		// managed-object policy refuses what it could (Invalid).
		update, delete metav1.StatusReason
	}{
		{"editor", "quota", forbidden, ""}, // delete: tenant_test.go
		{"editor", "limit range", forbidden, forbidden},
		{"editor", "network policy", invalid, invalid},
		{"editor", "role binding", forbidden, forbidden},
		{"admin", "quota", forbidden, forbidden},
		{"editor", "objects quota", forbidden, forbidden},
		{"admin", "objects quota", forbidden, forbidden},
		{"admin", "limit range", forbidden, forbidden},
		{"admin", "network policy", invalid, ""}, // delete: tenant_test.go
		{"admin", "role binding", invalid, ""},   // delete: tenant_test.go
	} {
		user := impersonate(t, "landlord:"+tc.role, "landlord:tenant:acc-managed:"+tc.role)
		path := objects[tc.object]
		devclustertest.Eventually(t, 30*time.Second, func() error { // the policy may still be arriving
			err := user.CoreV1().RESTClient().Patch("application/merge-patch+json").AbsPath(path).Param("dryRun", "All").
				Body([]byte(`{"metadata":{"labels":{"mine":"now"}}}`)).Do(ctx).Error()
			if got := apierrors.ReasonForError(err); got != tc.update {
				return fmt.Errorf("%s changing the %s: %v (%s), want %s", tc.role, tc.object, err, got, tc.update)
			}
			return nil
		})
		if tc.delete != "" {
			err := user.CoreV1().RESTClient().Delete().AbsPath(path).Param("dryRun", "All").Do(ctx).Error()
			wantReason(t, tc.role+" deleting the "+tc.object, err, tc.delete, "")
		}
	}
}

func TestTenantAdminManagesItsOwnRoles(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	provision(t, c, "acc-admin", v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}}})
	ns := "acc-admin-web"
	admin := impersonate(t, "landlord:ada", "landlord:tenant:acc-admin:admin")

	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "config-reader"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "list"}}}}
	if _, err := admin.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatalf("tenant admin creating a role: %v", err)
	}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "bob-reads-config"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "config-reader"},
		Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "User", Name: "landlord:bob"}}}
	if _, err := admin.RbacV1().RoleBindings(ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatalf("tenant admin binding its role: %v", err)
	}
	// The binding works: bob, in no tenant group, reads config and nothing else.
	bob := impersonate(t, "landlord:bob")
	devclustertest.Eventually(t, 10*time.Second, func() error {
		_, err := bob.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
		return err
	})
	_, err := bob.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
	wantReason(t, "bob listing secrets", err, metav1.StatusReasonForbidden, "")

	// Its own roles, yes; more than it holds, no.
	wantNoEscalation(t, admin, ns)
}

// wantNoEscalation: neither a cluster role binding nor a binding to
// cluster-admin in the tenant's own namespace.
func wantNoEscalation(t *testing.T, user kubernetes.Interface, ns string) {
	t.Helper()
	ctx := context.Background()
	subjects := []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "User", Name: "landlord:mallory"}}
	toClusterAdmin := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"}
	_, err := user.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "acc-mallory"}, RoleRef: toClusterAdmin, Subjects: subjects}, dryRunCreate)
	wantReason(t, "cluster role binding", err, metav1.StatusReasonForbidden, "")
	_, err = user.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "mallory"}, RoleRef: toClusterAdmin, Subjects: subjects}, dryRunCreate)
	wantReason(t, "role binding to cluster-admin", err, metav1.StatusReasonForbidden, "")
}

// provision creates a tenant, waits until it is Active and deletes it
// (protection off) when the test ends.
func provision(t *testing.T, c client.Client, name string, spec v1alpha1.TenantSpec) *v1alpha1.Tenant {
	t.Helper()
	tenant := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec}
	if err := c.Create(context.Background(), tenant); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		_ = c.Patch(ctx, tenant, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"deletionProtection":false}}`)))
		_ = c.Delete(ctx, tenant)
	})
	return waitPhase(t, c, name, v1alpha1.PhaseActive)
}

// waitQuotaTracked waits for the quota controller to count a namespace's
// usage: until then, quota admission refuses whatever the quota covers.
func waitQuotaTracked(t *testing.T, ns string) {
	t.Helper()
	kube := devclustertest.Admin(t)
	devclustertest.Eventually(t, 30*time.Second, func() error {
		q, err := kube.CoreV1().ResourceQuotas(ns).Get(context.Background(), render.QuotaName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for name := range q.Spec.Hard {
			if _, ok := q.Status.Used[name]; !ok {
				return fmt.Errorf("quota usage of %s not counted yet", name)
			}
		}
		return nil
	})
}

// wantReason checks that err is a refusal with the given reason whose
// message contains want.
func wantReason(t *testing.T, what string, err error, reason metav1.StatusReason, want string) {
	t.Helper()
	if got := apierrors.ReasonForError(err); got != reason || !strings.Contains(fmt.Sprint(err), want) {
		t.Errorf("%s: %v (reason %q), want %s containing %q", what, err, got, reason, want)
	}
}

// compliantPod meets Pod Security restricted; the LimitRange fills in its
// resources.
func compliantPod(name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{
		SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
		Containers: []corev1.Container{{Name: "app", Image: "example.invalid/app:1", SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr.To(false),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		}}},
	}}
}

func service(name string, typ corev1.ServiceType) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.ServiceSpec{
		Type: typ, Selector: map[string]string{"app": name}, Ports: []corev1.ServicePort{{Port: 80}}}}
}
