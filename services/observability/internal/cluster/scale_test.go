package cluster

import (
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// watcher is a Watcher over in-memory indexers, filled as the informers
// would be (through the transforms), with the production scale:
// 1,000 tenants, 2,000 namespaces, 10,000 Deployments and 2,000 pods.
func watcher(t testing.TB, tenants int) *Watcher {
	t.Helper()
	nsIndexers := toolscache.Indexers{toolscache.NamespaceIndex: toolscache.MetaNamespaceIndexFunc}
	w := &Watcher{
		tenants:    toolscache.NewIndexer(toolscache.MetaNamespaceKeyFunc, toolscache.Indexers{}),
		namespaces: toolscache.NewIndexer(toolscache.MetaNamespaceKeyFunc, toolscache.Indexers{byTenant: tenantIndex}),
	}
	for range kinds {
		w.indexers = append(w.indexers, toolscache.NewIndexer(toolscache.MetaNamespaceKeyFunc, nsIndexers))
	}
	add := func(ix toolscache.Indexer, obj any) {
		if err := ix.Add(obj); err != nil {
			t.Fatal(err)
		}
	}
	yes := true
	for i := range tenants {
		name := fmt.Sprintf("t%04d", i)
		uid := types.UID("uid-" + name)
		add(w.tenants, trimTenant(&v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: name, UID: uid}}))
		for _, local := range []string{"a", "b"} {
			ns := name + "-" + local
			add(w.namespaces, trimNamespace(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
				Labels:          map[string]string{v1alpha1.LabelTenant: name, "other": "x"},
				OwnerReferences: []metav1.OwnerReference{{Controller: &yes, UID: uid, Name: name, Kind: "Tenant"}}}}))
			add(w.indexers[0], trimPod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "p"},
				Spec: podSpecOf("100m", "64Mi"), Status: corev1.PodStatus{Phase: corev1.PodPending}}))
			for d := range 5 {
				add(w.indexers[2], trimDeployment(&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprint("d", d)}}))
			}
		}
	}
	return w
}

func tenantIndex(obj any) ([]string, error) {
	return []string{obj.(*corev1.Namespace).Labels[v1alpha1.LabelTenant]}, nil
}

func podSpecOf(cpu, mem string) corev1.PodSpec {
	r := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}
	return corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i", Resources: corev1.ResourceRequirements{Requests: r, Limits: r}}}}
}

func TestUsageFromTrimmedCaches(t *testing.T) {
	w := watcher(t, 3)
	u, err := w.Tenant("t0001")
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Namespaces) != 2 || u.Total.CPURequests != 200 || u.Total.MemoryRequests != 128<<20 ||
		u.Total.Objects.Deployments != 10 || u.Total.Deployments.Desired != 10 || u.UID != "uid-t0001" {
		t.Errorf("usage %+v", u)
	}
	if _, err := w.Tenant("t9999"); err == nil {
		t.Error("an absent tenant has usage")
	}
	all, err := w.Tenants()
	if err != nil || len(all) != 3 || all[0].Name != "t0000" {
		t.Errorf("tenants: %v, %v", all, err)
	}
}

// Trims are idempotent: an object already trimmed comes out the same.
func TestTrimsAreIdempotent(t *testing.T) {
	p := trimPod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "n", Annotations: map[string]string{"a": "b"}},
		Spec: podSpecOf("250m", "1Gi"), Status: corev1.PodStatus{Phase: corev1.PodRunning}})
	again := trimPod(p)
	if !again.Spec.Containers[0].Resources.Requests.Cpu().Equal(resource.MustParse("250m")) || again.Status.Phase != corev1.PodRunning ||
		p.Annotations != nil {
		t.Errorf("trimmed twice: %+v", again)
	}
}

// GetTenantUsage's and ListTenantUsage's work at production scale.
func BenchmarkTenantUsageAt1000Tenants(b *testing.B) {
	w := watcher(b, 1000)
	b.Run("Tenant", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := w.Tenant(fmt.Sprintf("t%04d", i%1000)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Tenants", func(b *testing.B) {
		for b.Loop() {
			if _, err := w.computeTenants(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
