package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	fcache "k8s.io/client-go/tools/cache/testing"
)

func TestInformerEventsCountWhatTheCacheApplied(t *testing.T) {
	src := fcache.NewFakeControllerSource()
	inf := toolscache.NewSharedIndexInformer(src, &appsv1.Deployment{}, 0, toolscache.Indexers{})
	w := &Watcher{informerEvents: newInformerEvents()}
	if err := w.countEvents(inf, &appsv1.Deployment{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go inf.RunWithContext(ctx)
	if !toolscache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		t.Fatal("never synced")
	}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "n"}}
	// Copies: the fake source writes each one's resource version while
	// the informer reads the one before.
	src.Add(d.DeepCopy())
	src.Modify(d.DeepCopy())
	src.Delete(d.DeepCopy())
	counter := w.informerEvents.WithLabelValues("Deployment")
	for deadline := time.Now().Add(10 * time.Second); testutil.ToFloat64(counter) != 3; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("counted %v events, want 3 (add, update, delete)", testutil.ToFloat64(counter))
		}
	}
	if got := kindOf(metadataOnly("v1", "ConfigMap")); got != "ConfigMap" {
		t.Errorf("kind of a metadata-only informer: %q", got)
	}
}
