// Package cluster is the quota service's read-only view of the cluster:
// informers on Tenants, Landlord's namespaces, their ResourceQuotas and
// the quota refusals workload controllers report, and a work queue that
// reconciles each tenant they concern into the ledger. The quota service
// never writes to the cluster; provisioning applies what it decides.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/landlord-dev/landlord/services/internal/apierror"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// What the quota service reads. Events only with reason FailedCreate: the
// quota refusals of workload controllers.
// +kubebuilder:rbac:groups=landlord.dev,resources=tenants,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=namespaces;resourcequotas;events,verbs=get;list;watch

// Reconciler is what the queue runs for each tenant.
type Reconciler interface {
	Reconcile(tenant string) error
	Refused(namespace, message string) error
}

// Watcher runs the informers and the queue.
type Watcher struct {
	cache cache.Cache
	queue workqueue.TypedRateLimitingInterface[string]
	rec   Reconciler
	log   *slog.Logger
	// Reconciled, if set, is called after each tenant's reconcile.
	Reconciled func(tenant string)
}

// New builds the informers' cache for cfg; nothing runs until Run.
func New(cfg *rest.Config, rec Reconciler, log *slog.Logger) (*Watcher, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	managed := labels.SelectorFromSet(labels.Set{v1alpha1.LabelManagedBy: v1alpha1.ManagedBy})
	c, err := cache.New(cfg, cache.Options{Scheme: scheme, ByObject: map[client.Object]cache.ByObject{
		&corev1.Namespace{}:     {Label: managed},
		&corev1.ResourceQuota{}: {Label: managed},
		&corev1.Event{}:         {Field: fields.OneTermEqualSelector("reason", "FailedCreate")},
	}})
	if err != nil {
		return nil, err
	}
	q := workqueue.NewTypedRateLimitingQueueWithConfig(
		workqueue.NewTypedItemExponentialFailureRateLimiter[string](50*time.Millisecond, 10*time.Second),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: "quota-tenants"})
	return &Watcher{cache: c, queue: q, rec: rec, log: log}, nil
}

// Enqueue asks for a tenant's reconcile (after a plan or override change).
func (w *Watcher) Enqueue(tenant string) { w.queue.Add(tenant) }

// EnqueueAll asks for every tenant's reconcile.
func (w *Watcher) EnqueueAll(ctx context.Context) error {
	var list v1alpha1.TenantList
	if err := w.cache.List(ctx, &list); err != nil {
		return err
	}
	for _, t := range list.Items {
		w.queue.Add(t.Name)
	}
	return nil
}

// Run starts the informers, waits for them to sync, and reconciles until
// ctx ends. ready is closed once the caches are synced.
func (w *Watcher) Run(ctx context.Context, workers int, ready chan<- struct{}) error {
	byTenantLabel := func(obj any) {
		if o, ok := unwrap(obj).(client.Object); ok && o.GetLabels()[v1alpha1.LabelTenant] != "" {
			w.queue.Add(o.GetLabels()[v1alpha1.LabelTenant])
		}
	}
	byName := func(obj any) {
		if o, ok := unwrap(obj).(client.Object); ok {
			w.queue.Add(o.GetName())
		}
	}
	refused := func(obj any) {
		if ev, ok := unwrap(obj).(*corev1.Event); ok {
			if err := w.rec.Refused(ev.Namespace, ev.Message); err != nil {
				w.log.Warn("quota refusal not handled", "namespace", ev.Namespace, "error", err)
			}
		}
	}
	for obj, fn := range map[client.Object]func(any){
		&v1alpha1.Tenant{}: byName, &corev1.Namespace{}: byTenantLabel, &corev1.ResourceQuota{}: byTenantLabel, &corev1.Event{}: refused,
	} {
		inf, err := w.informer(ctx, obj)
		if err != nil {
			return err
		}
		if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc: fn, UpdateFunc: func(_, n any) { fn(n) }, DeleteFunc: fn,
		}); err != nil {
			return err
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- w.cache.Start(ctx) }()
	if !w.cache.WaitForCacheSync(ctx) {
		select {
		case err := <-errc:
			return fmt.Errorf("quota informers: %w", err)
		default:
			return ctx.Err()
		}
	}
	close(ready)
	defer w.queue.ShutDown()
	for range workers {
		go w.work()
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-errc:
		return err
	}
}

// informer waits for obj's kind to exist: provisioning installs the
// Tenant CRD when it starts, which may be after the quota service.
func (w *Watcher) informer(ctx context.Context, obj client.Object) (cache.Informer, error) {
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		inf, err := w.cache.GetInformer(ctx, obj)
		if !meta.IsNoMatchError(err) {
			return inf, err
		}
		w.log.Info("waiting for a kind to be installed (provisioning installs the Tenant CRD)", "kind", fmt.Sprintf("%T", obj), "error", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

func (w *Watcher) work() {
	for {
		name, shutdown := w.queue.Get()
		if shutdown {
			return
		}
		if err := w.rec.Reconcile(name); err != nil {
			w.log.Warn("tenant quota not reconciled; retrying", "tenant", name, "error", err)
			w.queue.AddRateLimited(name)
		} else {
			w.queue.Forget(name)
			if w.Reconciled != nil {
				w.Reconciled(name)
			}
		}
		w.queue.Done(name)
	}
}

func unwrap(obj any) any {
	if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		return d.Obj
	}
	return obj
}

// Tenant implements allocation.Cluster.
func (w *Watcher) Tenant(name string) (*v1alpha1.Tenant, error) {
	t := &v1alpha1.Tenant{}
	return t, w.get(types.NamespacedName{Name: name}, t)
}

// Namespace implements allocation.Cluster.
func (w *Watcher) Namespace(name string) (*corev1.Namespace, error) {
	ns := &corev1.Namespace{}
	return ns, w.get(types.NamespacedName{Name: name}, ns)
}

// Quotas implements allocation.Cluster.
func (w *Watcher) Quotas(namespace string) ([]*corev1.ResourceQuota, error) {
	var out []*corev1.ResourceQuota
	for _, name := range v1alpha1.QuotaNames {
		rq := &corev1.ResourceQuota{}
		err := w.get(types.NamespacedName{Namespace: namespace, Name: name}, rq)
		if errors.Is(err, apierror.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, rq)
	}
	return out, nil
}

// get reads the cache; objects are the cache's own, so callers only read.
func (w *Watcher) get(key types.NamespacedName, obj client.Object) error {
	err := w.cache.Get(context.Background(), key, obj)
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("%s: %w", key, apierror.ErrNotFound)
	}
	return err
}

// TenantsOnPlan lists the tenants on a plan, for refusing its deletion.
func (w *Watcher) TenantsOnPlan(ctx context.Context, plan string) ([]string, error) {
	var list v1alpha1.TenantList
	if err := w.cache.List(ctx, &list); err != nil {
		return nil, err
	}
	var out []string
	for _, t := range list.Items {
		if t.Spec.Plan == plan {
			out = append(out, t.Name)
		}
	}
	return out, nil
}
