package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// activeWatch records when each tenant is first seen Active, from a watch
// (polling lists of a thousand tenants would load the API server that is
// being measured). A watch the API server ends is resumed after a list.
type activeWatch struct {
	mu     sync.Mutex
	active map[string]time.Time
	stop   context.CancelFunc
	done   chan struct{}
}

// watchActive starts watching every Tenant.
func watchActive(ctx context.Context, c client.WithWatch) *activeWatch {
	ctx, stop := context.WithCancel(ctx)
	aw := &activeWatch{active: map[string]time.Time{}, stop: stop, done: make(chan struct{})}
	go func() {
		defer close(aw.done)
		for ctx.Err() == nil {
			if err := aw.listAndWatch(ctx, c); err != nil && ctx.Err() == nil {
				time.Sleep(100 * time.Millisecond)
			}
		}
	}()
	return aw
}

func (aw *activeWatch) listAndWatch(ctx context.Context, c client.WithWatch) error {
	list := &v1alpha1.TenantList{}
	if err := c.List(ctx, list); err != nil {
		return err
	}
	for i := range list.Items {
		aw.saw(&list.Items[i])
	}
	w, err := c.Watch(ctx, &v1alpha1.TenantList{}, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: list.ResourceVersion}})
	if err != nil {
		return err
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		if ev.Type == watch.Error {
			return fmt.Errorf("tenant watch: %v", ev.Object)
		}
		if t, ok := ev.Object.(*v1alpha1.Tenant); ok {
			aw.saw(t)
		}
	}
	return nil
}

func (aw *activeWatch) saw(t *v1alpha1.Tenant) {
	if t.Status.Phase != v1alpha1.PhaseActive {
		return
	}
	aw.mu.Lock()
	defer aw.mu.Unlock()
	if _, seen := aw.active[t.Name]; !seen {
		aw.active[t.Name] = time.Now()
	}
}

// wait returns once n tenants have been seen Active, with when each was.
func (aw *activeWatch) wait(ctx context.Context, n int, timeout time.Duration) (map[string]time.Time, error) {
	deadline := time.Now().Add(timeout)
	for {
		aw.mu.Lock()
		seen := len(aw.active)
		if seen >= n {
			defer aw.mu.Unlock()
			out := make(map[string]time.Time, len(aw.active))
			for k, v := range aw.active {
				out[k] = v
			}
			return out, nil
		}
		aw.mu.Unlock()
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("only %d of %d tenants Active after %s", seen, n, timeout)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (aw *activeWatch) close() { aw.stop(); <-aw.done }
