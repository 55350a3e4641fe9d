package controller_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// TestDeletedQuotaIsRestored: a tenant's quota deleted behind the
// operator's back comes back, as the quota service last decided it: the
// deletion wakes the tenant, whose pass finds no quota and creates it from
// the newest write the syncer holds. (Hard limits edited by hand are the
// quota service's to notice: it sends what the cluster lacks.)
func TestDeletedQuotaIsRestored(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	tenant := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: "ctl-drift"},
		Spec: v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "app"}}}}
	if err := c.Create(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), tenant) })
	waitPhase(t, c, "ctl-drift", v1alpha1.PhaseActive)

	// Read from the API server: the operator's cache may not have seen the edit.
	kube := kubernetes.NewForConfigOrDie(devclustertest.AdminConfig(t)) // uncached
	key := client.ObjectKey{Namespace: "ctl-drift-app", Name: render.QuotaName}
	q, err := kube.CoreV1().ResourceQuotas(key.Namespace).Get(ctx, key.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, seq := q.Spec.Hard[corev1.ResourcePods], q.Annotations[render.AnnotationQuotaSeq]
	if err := kube.CoreV1().ResourceQuotas(key.Namespace).Delete(ctx, key.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	deleted := time.Now()
	devclustertest.Eventually(t, 30*time.Second, func() error {
		live, err := kube.CoreV1().ResourceQuotas(key.Namespace).Get(ctx, key.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if got := live.Spec.Hard[corev1.ResourcePods]; got.Cmp(want) != 0 || live.Annotations[render.AnnotationQuotaSeq] != seq {
			return fmt.Errorf("pods quota is %s at write %s, want %s at write %s", got.String(), live.Annotations[render.AnnotationQuotaSeq], want.String(), seq)
		}
		return nil
	})
	t.Logf("deleted quota restored after %s", time.Since(deleted).Round(time.Millisecond))
}

// TestRestartWritesOnlyDrift: an operator that starts on a cluster where
// every tenant is as rendered but one object, deleted while no operator
// ran, reconciles them all and writes that object alone: not the others,
// not even status.
func TestRestartWritesOnlyDrift(t *testing.T) {
	c, stop := startOperatorWith(t, devclustertest.AdminConfig(t))
	ctx := context.Background()
	tenant := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: "ctl-restart"},
		Spec: v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "a"}, {Name: "b"}}}}
	if err := c.Create(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), tenant) })
	waitPhase(t, c, "ctl-restart", v1alpha1.PhaseActive)
	// Earlier tests' tenants may still be on their way out: let this
	// operator finish them, so the next one has nothing to do.
	var tenants int
	devclustertest.Eventually(t, 120*time.Second, func() error {
		list := &v1alpha1.TenantList{}
		if err := c.List(ctx, list); err != nil {
			return err
		}
		tenants = len(list.Items)
		for _, t := range list.Items {
			if !t.DeletionTimestamp.IsZero() {
				return fmt.Errorf("tenant %s is still terminating", t.Name)
			}
		}
		return nil
	})
	stop()
	gone := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "ctl-restart-b", Name: "landlord-viewers"}}
	if err := c.Delete(ctx, gone); err != nil {
		t.Fatal(err)
	}

	cfg := rest.CopyConfig(devclustertest.AdminConfig(t))
	writes := &writeLog{}
	cfg.Wrap(writes.wrap)
	before := reconciles(t)
	startOperatorWith(t, cfg)
	kube := kubernetes.NewForConfigOrDie(devclustertest.AdminConfig(t))
	devclustertest.Eventually(t, 30*time.Second, func() error {
		_, err := kube.RbacV1().RoleBindings(gone.Namespace).Get(ctx, gone.Name, metav1.GetOptions{})
		return err
	})
	// Repaired; now let the operator finish every other tenant too.
	last, lastChange := before, time.Now()
	devclustertest.Eventually(t, 60*time.Second, func() error {
		n := reconciles(t)
		if n != last {
			last, lastChange = n, time.Now()
		}
		if n-before < float64(tenants) || time.Since(lastChange) < time.Second {
			return fmt.Errorf("%v of %d tenants reconciled, still busy", n-before, tenants)
		}
		return nil
	})
	want := "POST /apis/rbac.authorization.k8s.io/v1/namespaces/ctl-restart-b/rolebindings" // created, not applied
	if got := writes.String(); got != want {
		t.Errorf("the restarted operator wrote:\n%s\nwant only:\n%s", got, want)
	}
}

// reconciles is controller-runtime's count of tenant reconciles so far,
// shared by every operator this test process starts.
func reconciles(t *testing.T) float64 {
	t.Helper()
	families, err := crmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, f := range families {
		if f.GetName() != "controller_runtime_reconcile_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() == "tenant" {
					n += m.GetCounter().GetValue()
				}
			}
		}
	}
	return n
}

// writeLog records every request that changes the cluster (reviews, such
// as the operator asking who it is, store nothing).
type writeLog struct {
	mu     sync.Mutex
	writes []string
}

func (w *writeLog) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		if req.Method != http.MethodGet && !strings.HasSuffix(req.URL.Path, "reviews") {
			w.mu.Lock()
			w.writes = append(w.writes, req.Method+" "+req.URL.Path)
			w.mu.Unlock()
		}
		return rt.RoundTrip(req)
	})
}

func (w *writeLog) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.writes, "\n")
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
