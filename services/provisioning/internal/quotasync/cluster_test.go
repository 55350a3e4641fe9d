package quotasync_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/quotasync"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

func TestMain(m *testing.M) { os.Exit(devclustertest.Main(m)) }

// kube is an uncached client of the dev cluster: reads are always live,
// so "the cache" these tests give the syncer is never behind.
func kube(t *testing.T) client.Client {
	t.Helper()
	c, err := client.New(devclustertest.AdminConfig(t), client.Options{Scheme: clientgoscheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tenantNamespace creates namespace tenant-short labelled as the tenant's,
// as the operator would, and deletes it after the test.
func tenantNamespace(t *testing.T, c client.Client, tenant, short string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: render.ClusterName(tenant, short), Labels: render.Labels(tenant, short)}}
	if err := c.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), ns) })
	return ns.Name
}

func qw(tenant, ns string, seq uint64, hard map[string]string) *quotav1.QuotaWrite {
	return &quotav1.QuotaWrite{Tenant: tenant, Namespace: ns, Seq: seq, Hard: hard}
}

// quotas are the namespace's two ResourceQuotas (v1alpha1.QuotaNames).
func quotas(t *testing.T, c client.Client, ns string) []*corev1.ResourceQuota {
	t.Helper()
	var out []*corev1.ResourceQuota
	for _, name := range v1alpha1.QuotaNames {
		rq := &corev1.ResourceQuota{}
		if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, rq); err != nil {
			t.Fatal(err)
		}
		out = append(out, rq)
	}
	return out
}

// hardIs: the quotas' spec.hard together is exactly want, each resource
// in the quota QuotaNameFor names, and both hold write seq.
func hardIs(rqs []*corev1.ResourceQuota, seq uint64, want map[string]string) error {
	n := 0
	for _, rq := range rqs {
		if got := rq.Annotations[render.AnnotationQuotaSeq]; got != fmt.Sprint(seq) {
			return fmt.Errorf("quota %s holds write %q, want %d", rq.Name, got, seq)
		}
		for name, got := range rq.Spec.Hard {
			v, ok := want[string(name)]
			switch {
			case !ok:
				return fmt.Errorf("quota %s limits %s, want %v", rq.Name, name, want)
			case v1alpha1.QuotaNameFor(string(name)) != rq.Name:
				return fmt.Errorf("%s is in quota %s, not %s", name, rq.Name, v1alpha1.QuotaNameFor(string(name)))
			case got.Cmp(resource.MustParse(v)) != 0:
				return fmt.Errorf("hard %s = %s, want %s", name, got.String(), v)
			}
			n++
		}
	}
	if n != len(want) {
		return fmt.Errorf("%d limits, want %v", n, want)
	}
	return nil
}

// TestOlderWritesNeverOverwriteNewer: writes applied in any order leave
// the quota holding the newest; a patch replaces the whole hard map.
func TestOlderWritesNeverOverwriteNewer(t *testing.T) {
	c := kube(t)
	ctx := context.Background()
	ns := tenantNamespace(t, c, "qs-order", "web")
	s := &quotasync.Syncer{Kube: c, Live: c}
	v5 := map[string]string{"pods": "5", "requests.cpu": "2"}
	v7 := map[string]string{"pods": "7", "requests.memory": "1Gi"}
	for _, step := range []struct {
		seq  uint64
		hard map[string]string
		want quotasync.Outcome
	}{
		{5, v5, quotasync.Created},
		{3, map[string]string{"pods": "3"}, quotasync.Current},
		{5, v5, quotasync.Current},
		{7, v7, quotasync.Patched},
		{6, map[string]string{"pods": "6"}, quotasync.Current},
		{1, map[string]string{"pods": "1"}, quotasync.Current},
	} {
		got, err := s.Apply(ctx, qw("qs-order", ns, step.seq, step.hard), false)
		if err != nil || got != step.want {
			t.Errorf("write %d: %v, %v; want %v", step.seq, got, err, step.want)
		}
	}
	rqs := quotas(t, c, ns)
	if err := hardIs(rqs, 7, v7); err != nil {
		t.Error(err)
	}
	for _, rq := range rqs {
		if rq.Labels[render.LabelTenant] != "qs-order" || rq.Labels[render.LabelNamespace] != "web" || rq.Labels[render.LabelManagedBy] != render.ManagedBy {
			t.Errorf("%s labels %v", rq.Name, rq.Labels)
		}
	}
}

// TestOneQuotaHoldingEverythingIsSplit: a namespace still on one quota
// holding every limit (as Landlords before the split wrote it) gets its
// objects' quota and keeps only the pods' limits in the other, from the
// write it already holds; no count goes unbounded in between, because
// the objects' quota is written first.
func TestOneQuotaHoldingEverythingIsSplit(t *testing.T) {
	c := kube(t)
	ctx := context.Background()
	ns := tenantNamespace(t, c, "qs-split", "web")
	hard := map[string]string{"pods": "4", "requests.cpu": "1", "count/secrets": "9", "services": "2"}
	old := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: v1alpha1.QuotaName,
		Labels: render.Labels("qs-split", "web"), Annotations: map[string]string{render.AnnotationQuotaSeq: "4"}}}
	old.Spec.Hard = parse(hard)
	if err := c.Create(ctx, old); err != nil {
		t.Fatal(err)
	}
	s := &quotasync.Syncer{Kube: c, Live: c}
	if got, err := s.Apply(ctx, qw("qs-split", ns, 4, hard), false); err != nil || got != quotasync.Created {
		t.Fatalf("the write the quota holds, again: %v, %v; want created (the objects' quota)", got, err)
	}
	if err := hardIs(quotas(t, c, ns), 4, hard); err != nil {
		t.Error(err)
	}
	if got, err := s.Apply(ctx, qw("qs-split", ns, 4, hard), false); err != nil || got != quotasync.Current {
		t.Errorf("once split: %v, %v; want current", got, err)
	}
}

func parse(m map[string]string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for k, v := range m {
		out[corev1.ResourceName(k)] = resource.MustParse(v)
	}
	return out
}

// TestWritesGoOnlyToTheTenantsNamespaces: a write for a namespace that
// does not exist, is another tenant's or is terminating creates nothing;
// a quota labelled for another tenant is never written.
func TestWritesGoOnlyToTheTenantsNamespaces(t *testing.T) {
	c := kube(t)
	ctx := context.Background()
	s := &quotasync.Syncer{Kube: c, Live: c}
	hard := map[string]string{"pods": "1"}
	other := tenantNamespace(t, c, "qs-other", "web")
	terminating := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "qs-mine-going", Labels: render.Labels("qs-mine", "going"),
		Finalizers: []string{"landlord.dev/test-hold"}}}
	if err := c.Create(ctx, terminating); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ns := &corev1.Namespace{}
		if c.Get(context.Background(), client.ObjectKeyFromObject(terminating), ns) == nil {
			ns.Finalizers = nil
			_ = c.Update(context.Background(), ns)
		}
	})
	if err := c.Delete(ctx, terminating); err != nil {
		t.Fatal(err)
	}
	for _, w := range []*quotav1.QuotaWrite{
		qw("qs-mine", "qs-mine-absent", 1, hard),
		qw("qs-mine", other, 1, hard), // qs-other's namespace
		qw("qs-mine", terminating.Name, 1, hard),
	} {
		if got, err := s.Apply(ctx, w, false); err != nil || got != quotasync.Skipped {
			t.Errorf("write for %s: %v, %v; want skipped", w.GetNamespace(), got, err)
		}
		for _, name := range v1alpha1.QuotaNames {
			err := c.Get(ctx, client.ObjectKey{Namespace: w.GetNamespace(), Name: name}, &corev1.ResourceQuota{})
			if !apierrors.IsNotFound(err) {
				t.Errorf("%s: quota %s written (%v)", w.GetNamespace(), name, err)
			}
		}
	}
	if _, err := s.Apply(ctx, qw("qs-other", other, 1, hard), false); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Apply(ctx, qw("qs-mine", other, 2, map[string]string{"pods": "100"}), true); err == nil || got == quotasync.Patched {
		t.Errorf("a write over another tenant's quota: %v, %v", got, err)
	}
	if err := hardIs(quotas(t, c, other), 1, hard); err != nil {
		t.Error(err)
	}
	bad := qw("qs-other", other, 3, map[string]string{"pods": "many"})
	if _, err := s.Apply(ctx, bad, false); err == nil || !strings.Contains(err.Error(), "quantity") {
		t.Errorf("a bad quantity: %v", err)
	}
	if err := hardIs(quotas(t, c, other), 1, hard); err != nil {
		t.Error(err)
	}
}

// TestEnsureQuotaCreatesFromTheLatestWrite: no write known, no quota: not
// ready. Once a write is known (received while another replica leads, so
// only remembered), EnsureQuota creates the quota from it; a quota in
// place is ready without a write.
func TestEnsureQuotaCreatesFromTheLatestWrite(t *testing.T) {
	c := kube(t)
	ctx := context.Background()
	ns := tenantNamespace(t, c, "qs-ensure", "web")
	s := &quotasync.Syncer{Kube: c, Live: c, Leading: make(chan struct{})}
	if ok, err := s.EnsureQuota(ctx, "qs-ensure", ns); ok || err != nil {
		t.Fatalf("EnsureQuota without a write = %v, %v", ok, err)
	}
	hard := map[string]string{"pods": "4", "count/secrets": "9"}
	s.Handle(ctx, &quotav1.SyncResponse{Writes: []*quotav1.QuotaWrite{qw("qs-ensure", ns, 1, map[string]string{"pods": "1"}), qw("qs-ensure", ns, 2, hard)}})
	for _, name := range v1alpha1.QuotaNames {
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &corev1.ResourceQuota{}); !apierrors.IsNotFound(err) {
			t.Fatalf("a replica that does not lead wrote %s (%v)", name, err)
		}
	}
	if ok, err := s.EnsureQuota(ctx, "qs-other", ns); ok || err != nil {
		t.Errorf("EnsureQuota for another tenant = %v, %v", ok, err)
	}
	if ok, err := s.EnsureQuota(ctx, "qs-ensure", ns); !ok || err != nil {
		t.Fatalf("EnsureQuota with a write = %v, %v", ok, err)
	}
	if err := hardIs(quotas(t, c, ns), 2, hard); err != nil {
		t.Error(err)
	}
	fresh := &quotasync.Syncer{Kube: c, Live: c}
	if ok, err := fresh.EnsureQuota(ctx, "qs-ensure", ns); !ok || err != nil {
		t.Errorf("EnsureQuota with the quota in place = %v, %v", ok, err)
	}
}

// racing reads through Client and, after the first n reads of a quota,
// runs meanwhile on the quota it read: another writer between the
// writer's read and its patch.
type racing struct {
	client.Client
	n         atomic.Int32
	reads     atomic.Int32
	meanwhile func(rq *corev1.ResourceQuota) error
}

func (r *racing) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if err := r.Client.Get(ctx, key, obj, opts...); err != nil {
		return err
	}
	rq, ok := obj.(*corev1.ResourceQuota)
	if !ok {
		return nil
	}
	r.reads.Add(1)
	if r.n.Add(-1) < 0 {
		return nil
	}
	return r.meanwhile(rq.DeepCopy())
}

// A quota that changed after it was read (as the API server's quota
// admission changes its status with every admitted object) still takes
// the write, at the first try: only its sequence number is a condition.
func TestChangesBesidesTheSequenceDoNotStopAWrite(t *testing.T) {
	c := kube(t)
	ctx := context.Background()
	ns := tenantNamespace(t, c, "qs-conflict", "web")
	if _, err := (&quotasync.Syncer{Kube: c, Live: c}).Apply(ctx, qw("qs-conflict", ns, 1, map[string]string{"pods": "1"}), false); err != nil {
		t.Fatal(err)
	}
	live := &racing{Client: c, meanwhile: func(rq *corev1.ResourceQuota) error {
		return c.Patch(ctx, rq, client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"labels":{"test-bump":"1"}}}`)))
	}}
	live.n.Store(5)
	v2 := map[string]string{"pods": "2"}
	got, err := (&quotasync.Syncer{Kube: c, Live: live}).Apply(ctx, qw("qs-conflict", ns, 2, v2), false)
	if err != nil || got != quotasync.Patched || live.reads.Load() != int32(len(v1alpha1.QuotaNames)) {
		t.Fatalf("a changed quota: %v, %v after %d reads; want patched at once (one read of each quota)", got, err, live.reads.Load())
	}
	if err := hardIs(quotas(t, c, ns), 2, v2); err != nil {
		t.Error(err)
	}
}

// A newer write that lands between the writer's read and its patch wins:
// the patch's test of the sequence number fails, the writer reads again
// and finds its write superseded. Never older over newer.
func TestANewerWriteBetweenReadAndPatchWins(t *testing.T) {
	c := kube(t)
	ctx := context.Background()
	ns := tenantNamespace(t, c, "qs-race", "web")
	if _, err := (&quotasync.Syncer{Kube: c, Live: c}).Apply(ctx, qw("qs-race", ns, 1, map[string]string{"pods": "1"}), false); err != nil {
		t.Fatal(err)
	}
	newer := map[string]string{"pods": "5"}
	live := &racing{Client: c, meanwhile: func(*corev1.ResourceQuota) error {
		_, err := (&quotasync.Syncer{Kube: c, Live: c}).Apply(ctx, qw("qs-race", ns, 10, newer), false)
		return err
	}}
	live.n.Store(1)
	got, err := (&quotasync.Syncer{Kube: c, Live: live}).Apply(ctx, qw("qs-race", ns, 2, map[string]string{"pods": "2"}), false)
	if err != nil || got != quotasync.Current {
		t.Fatalf("older write racing a newer one: %v, %v; want current (superseded)", got, err)
	}
	if err := hardIs(quotas(t, c, ns), 10, newer); err != nil {
		t.Error(err)
	}
}
