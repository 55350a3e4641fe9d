package observability_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
)

// What a tenant creates in two namespaces shows in its usage, per
// namespace and in total, within a moment (the informers' delay).
func TestUsageMatchesWhatTheTenantCreated(t *testing.T) {
	e := started(t)
	e.createTenant(t, &provisioningv1.Tenant{Name: "obs-usg", Plan: "standard", AllowedStorageClasses: []string{"fast"},
		Namespaces: []*provisioningv1.Namespace{{Name: "a"}, {Name: "b"}}})
	before, err := e.obs.GetTenantUsage(e.Admin, &observabilityv1.GetTenantUsageRequest{Tenant: "obs-usg"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	e.pod(t, "obs-usg-a", "p1", 100, "16Mi")
	e.pod(t, "obs-usg-a", "p2", 150, "32Mi")
	e.pod(t, "obs-usg-b", "p3", 250, "64Mi")
	b := e.kube.CoreV1()
	two := int32(2)
	suspend, fast := true, "fast"
	for _, err := range []error{
		create(b.Services("obs-usg-b").Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web"},
			Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}, metav1.CreateOptions{})),
		create(b.ConfigMaps("obs-usg-b").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c1"}}, metav1.CreateOptions{})),
		create(b.ConfigMaps("obs-usg-b").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c2"}}, metav1.CreateOptions{})),
		create(b.Secrets("obs-usg-b").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s1"}}, metav1.CreateOptions{})),
		create(b.PersistentVolumeClaims("obs-usg-b").Create(ctx, &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data"},
			Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: &fast, AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}}},
			metav1.CreateOptions{})),
		// Its two pods are created by the controller manager: 2 × 10m more.
		create(e.kube.AppsV1().Deployments("obs-usg-b").Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"},
			Spec: appsv1.DeploymentSpec{Replicas: &two, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}, Spec: podSpec(10, "16Mi")}}},
			metav1.CreateOptions{})),
		// Suspended: no pods.
		create(e.kube.BatchV1().Jobs("obs-usg-b").Create(ctx, &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "batch"},
			Spec: batchv1.JobSpec{Suspend: &suspend, Template: corev1.PodTemplateSpec{Spec: withRestart(podSpec(10, "16Mi"))}}},
			metav1.CreateOptions{})),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	ns := func(u *observabilityv1.TenantUsage, name string) *observabilityv1.Usage {
		for _, n := range u.GetNamespaces() {
			if n.GetName() == name {
				return n.GetUsage()
			}
		}
		return nil
	}
	wantA := proto.Clone(ns(before.GetUsage(), "obs-usg-a")).(*observabilityv1.Usage)
	wantA.CpuRequestsMillicores += 250
	wantA.CpuLimitsMillicores += 250
	wantA.MemoryRequestsBytes += 48 << 20
	wantA.MemoryLimitsBytes += 48 << 20
	wantA.Pods.Pending += 2
	wantA.Objects.Pods += 2
	wantB := proto.Clone(ns(before.GetUsage(), "obs-usg-b")).(*observabilityv1.Usage)
	wantB.CpuRequestsMillicores += 270
	wantB.CpuLimitsMillicores += 270
	wantB.MemoryRequestsBytes += (64 + 32) << 20
	wantB.MemoryLimitsBytes += (64 + 32) << 20
	wantB.StorageRequestsBytes += 1 << 30
	wantB.Pods.Pending += 3
	o := wantB.Objects
	o.Pods, o.Services, o.ConfigMaps, o.Secrets, o.PersistentVolumeClaims, o.Deployments, o.Jobs =
		o.Pods+3, o.Services+1, o.ConfigMaps+2, o.Secrets+1, o.PersistentVolumeClaims+1, o.Deployments+1, o.Jobs+1
	wantB.DeploymentReplicas.Desired += 2

	devclustertest.Eventually(t, 20*time.Second, func() error {
		got, err := e.obs.GetTenantUsage(e.Admin, &observabilityv1.GetTenantUsageRequest{Tenant: "obs-usg"})
		if err != nil {
			return err
		}
		u := got.GetUsage()
		if names := []string{u.GetNamespaces()[0].GetName(), u.GetNamespaces()[1].GetName()}; len(u.GetNamespaces()) != 2 || !slices.Equal(names, []string{"obs-usg-a", "obs-usg-b"}) {
			return fmt.Errorf("namespaces %v", u.GetNamespaces())
		}
		if a := ns(u, "obs-usg-a"); !proto.Equal(a, wantA) {
			return fmt.Errorf("obs-usg-a: %v\nwant %v", a, wantA)
		}
		if b := ns(u, "obs-usg-b"); !proto.Equal(b, wantB) {
			return fmt.Errorf("obs-usg-b: %v\nwant %v", b, wantB)
		}
		if tot := u.GetTotal(); tot.GetCpuRequestsMillicores() != wantA.CpuRequestsMillicores+wantB.CpuRequestsMillicores ||
			tot.GetObjects().GetPods() != wantA.Objects.Pods+wantB.Objects.Pods {
			return fmt.Errorf("total %v", tot)
		}
		if hard := u.GetNamespaces()[1].GetQuotaHard()["requests.cpu"]; hard == "" {
			return fmt.Errorf("obs-usg-b shows no quota: %v", u.GetNamespaces()[1])
		}
		return nil
	})
}

func create[T any](_ T, err error) error { return err }

func withRestart(s corev1.PodSpec) corev1.PodSpec {
	s.RestartPolicy = corev1.RestartPolicyNever
	return s
}

// A namespace someone else made, with a name the tenant's could have, is
// not the tenant's: its pods never count. (Landlord's admission policies
// keep anyone but provisioning from giving a namespace tenant labels; the
// informers also check the namespace's controller is the Tenant, by UID.)
func TestForeignNamespaceIsNeverTheTenants(t *testing.T) {
	e := started(t)
	e.tenant(t, "obs-frn", "a")
	foreign := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "obs-frn-b"}}
	if _, err := e.kube.CoreV1().Namespaces().Create(t.Context(), foreign, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.pod(t, "obs-frn-b", "intruder", 500, "16Mi")
	e.pod(t, "obs-frn-a", "own", 100, "16Mi")
	devclustertest.Eventually(t, 20*time.Second, func() error {
		got, err := e.obs.GetTenantUsage(e.Admin, &observabilityv1.GetTenantUsageRequest{Tenant: "obs-frn"})
		if err != nil {
			return err
		}
		if u := got.GetUsage(); len(u.GetNamespaces()) != 1 || u.GetTotal().GetCpuRequestsMillicores() != 100 {
			return fmt.Errorf("usage %v, want frn-a alone at 100m", u)
		}
		return nil
	})
}

// A member of tenant A gets, for tenant B's usage and history, the same
// NOT_FOUND as for a tenant that does not exist; so does a signed-in user
// of no tenant. Only platform admins list every tenant.
func TestOtherTenantsUsageIsNotFound(t *testing.T) {
	e := started(t)
	e.tenant(t, "obs-vis-a", "a")
	e.tenant(t, "obs-vis-b", "a")
	member := e.Member(t, "vis-member", "obs-vis-a", identityv1.Role_ROLE_VIEWER)
	outsider := e.Member(t, "vis-outsider", "", identityv1.Role_ROLE_UNSPECIFIED)
	now := time.Now()
	history := func(tenant string) *observabilityv1.GetUsageHistoryRequest {
		return &observabilityv1.GetUsageHistoryRequest{Tenant: tenant, StartTime: ts(now.Add(-time.Hour)), EndTime: ts(now), Step: dur(time.Minute)}
	}
	if _, err := e.obs.GetTenantUsage(member, &observabilityv1.GetTenantUsageRequest{Tenant: "obs-vis-a"}); err != nil {
		t.Errorf("member reads its tenant's usage: %v", err)
	}
	if _, err := e.obs.GetUsageHistory(member, history("obs-vis-a")); err != nil {
		t.Errorf("member reads its tenant's history: %v", err)
	}
	answer := func(caller string, tenant string, call func(string) error) string {
		err := call(tenant)
		st := status.Convert(err)
		if st.Code() != codes.NotFound {
			t.Errorf("%s asks for %s: %v, want NOT_FOUND", caller, tenant, err)
		}
		return fmt.Sprint(st.Code(), " ", replaceName(st.Message(), tenant))
	}
	for who, ctx := range map[string]context.Context{"member of vis-a": member, "member of no tenant": outsider} {
		for what, call := range map[string]func(string) error{
			"usage": func(tn string) error {
				_, err := e.obs.GetTenantUsage(ctx, &observabilityv1.GetTenantUsageRequest{Tenant: tn})
				return err
			},
			"history": func(tn string) error {
				_, err := e.obs.GetUsageHistory(ctx, history(tn))
				return err
			},
		} {
			other, absent := answer(who, "obs-vis-b", call), answer(who, "obs-vis-none", call)
			if other != absent {
				t.Errorf("%s, %s: another tenant's answer %q differs from an absent tenant's %q", who, what, other, absent)
			}
		}
	}
	if _, err := e.obs.GetTenantUsage(e.Admin, &observabilityv1.GetTenantUsageRequest{Tenant: "obs-vis-none"}); status.Code(err) != codes.NotFound {
		t.Errorf("admin asks for an absent tenant: %v, want NOT_FOUND", err)
	}
	if _, err := e.obs.ListTenantUsage(member, &observabilityv1.ListTenantUsageRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("member lists every tenant: %v, want PERMISSION_DENIED", err)
	}
}

// replaceName hides the tenant's name in an answer, to compare the rest.
func replaceName(msg, tenant string) string { return strings.ReplaceAll(msg, tenant, "<tenant>") }
