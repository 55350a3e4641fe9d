// Package cluster is the observability service's read-only view of the
// cluster: informers on Tenants, Landlord's namespaces and what those
// hold, trimmed as they enter the cache (trim.go) and watched as metadata
// only where they are only counted. Secrets are never read: their count
// comes from the namespace's ResourceQuota. Usage is computed on demand
// from the caches' namespace index, so it is as fresh as the informers.
//
// A namespace is a tenant's only if it carries the tenant's label and
// names that Tenant (by UID) as its controller: a foreign namespace with
// a colliding name or a copied label is never the tenant's.
package cluster

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/observability/internal/usage"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// What the observability service reads; it writes nothing.
// +kubebuilder:rbac:groups=landlord.dev,resources=tenants,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=namespaces;resourcequotas;pods;persistentvolumeclaims;services;configmaps,verbs=get;list;watch
// +kubebuilder:rbac:groups=apps,resources=deployments;statefulsets,verbs=get;list;watch
// +kubebuilder:rbac:groups=batch,resources=jobs,verbs=get;list;watch

// kind is one informer's cache key and what it adds to a namespace's usage.
type kind struct {
	obj client.Object
	add func(u *usage.Namespace, obj any)
}

var kinds = []kind{
	{&corev1.Pod{}, func(u *usage.Namespace, obj any) {
		p := obj.(*corev1.Pod)
		c := p.Spec.Containers[0].Resources // trimPod's sum
		u.Usage.AddPod(p.Status.Phase, c.Requests, c.Limits)
	}},
	{&corev1.PersistentVolumeClaim{}, func(u *usage.Namespace, obj any) {
		c := obj.(*corev1.PersistentVolumeClaim)
		u.Usage.Objects.PVCs++
		u.Usage.StorageRequests += c.Spec.Resources.Requests.Storage().Value()
	}},
	{&appsv1.Deployment{}, func(u *usage.Namespace, obj any) {
		d := obj.(*appsv1.Deployment)
		u.Usage.Objects.Deployments++
		u.Usage.Deployments.Desired += int(replicas(d.Spec.Replicas))
		u.Usage.Deployments.Ready += int(d.Status.ReadyReplicas)
	}},
	{&appsv1.StatefulSet{}, func(u *usage.Namespace, obj any) {
		s := obj.(*appsv1.StatefulSet)
		u.Usage.Objects.StatefulSets++
		u.Usage.StatefulSets.Desired += int(replicas(s.Spec.Replicas))
		u.Usage.StatefulSets.Ready += int(s.Status.ReadyReplicas)
	}},
	// A namespace's two quotas (v1alpha1.QuotaNames) read as one: each
	// resource is in one of them.
	{&corev1.ResourceQuota{}, func(u *usage.Namespace, obj any) {
		q := obj.(*corev1.ResourceQuota)
		if u.QuotaHard == nil {
			u.QuotaHard, u.QuotaUsed = corev1.ResourceList{}, corev1.ResourceList{}
		}
		maps.Copy(u.QuotaHard, q.Status.Hard)
		maps.Copy(u.QuotaUsed, q.Status.Used)
		if n, ok := q.Status.Used["count/secrets"]; ok {
			u.Usage.Objects.Secrets = int(n.Value())
		}
	}},
	{metadataOnly("v1", "Service"), func(u *usage.Namespace, _ any) { u.Usage.Objects.Services++ }},
	{metadataOnly("v1", "ConfigMap"), func(u *usage.Namespace, _ any) { u.Usage.Objects.ConfigMaps++ }},
	{metadataOnly("batch/v1", "Job"), func(u *usage.Namespace, _ any) { u.Usage.Objects.Jobs++ }},
}

// replicas is a workload's desired count; unset means one.
func replicas(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

// Watcher runs the informers and computes usage from their caches.
type Watcher struct {
	cache          cache.Cache
	log            *slog.Logger
	indexers       []toolscache.Indexer // one per kinds entry
	namespaces     toolscache.Indexer
	tenants        toolscache.Indexer
	informerEvents *prometheus.CounterVec
	// all is Tenants' last answer and when it was computed.
	all struct {
		sync.Mutex
		at      time.Time
		tenants []usage.Tenant
	}
}

// byTenant indexes namespaces by their tenant label.
const byTenant = "tenant"

// New builds the informers' cache for cfg; nothing runs until Run.
func New(cfg *rest.Config, log *slog.Logger) (*Watcher, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	managed := labels.SelectorFromSet(labels.Set{v1alpha1.LabelManagedBy: v1alpha1.ManagedBy})
	byObject := map[client.Object]cache.ByObject{
		&v1alpha1.Tenant{}:              {Transform: transform(trimTenant)},
		&corev1.Namespace{}:             {Label: managed, Transform: transform(trimNamespace)},
		&corev1.ResourceQuota{}:         {Label: managed, Transform: transform(trimQuota)},
		&corev1.Pod{}:                   {Transform: transform(trimPod)},
		&corev1.PersistentVolumeClaim{}: {Transform: transform(trimPVC)},
		&appsv1.Deployment{}:            {Transform: transform(trimDeployment)},
		&appsv1.StatefulSet{}:           {Transform: transform(trimStatefulSet)},
	}
	for _, k := range kinds {
		if m, ok := k.obj.(*metav1.PartialObjectMetadata); ok {
			byObject[m] = cache.ByObject{Transform: transform(trimMeta)}
		}
	}
	c, err := cache.New(cfg, cache.Options{Scheme: scheme, ByObject: byObject})
	if err != nil {
		return nil, err
	}
	return &Watcher{cache: c, log: log, informerEvents: newInformerEvents()}, nil
}

// Run starts the informers and returns once they have synced (then they
// run until ctx ends), or with the error that stopped them.
func (w *Watcher) Run(ctx context.Context, synced chan<- struct{}) error {
	var err error
	if w.tenants, err = w.indexer(ctx, &v1alpha1.Tenant{}); err != nil {
		return err
	}
	if w.namespaces, err = w.indexer(ctx, &corev1.Namespace{}); err != nil {
		return err
	}
	if err := w.namespaces.AddIndexers(toolscache.Indexers{byTenant: func(obj any) ([]string, error) {
		if ns, ok := obj.(*corev1.Namespace); ok {
			return []string{ns.Labels[v1alpha1.LabelTenant]}, nil
		}
		return nil, nil
	}}); err != nil {
		return err
	}
	for _, k := range kinds {
		ix, err := w.indexer(ctx, k.obj)
		if err != nil {
			return err
		}
		w.indexers = append(w.indexers, ix)
	}
	errc := make(chan error, 1)
	go func() { errc <- w.cache.Start(ctx) }()
	if !w.cache.WaitForCacheSync(ctx) {
		select {
		case err := <-errc:
			return fmt.Errorf("observability informers: %w", err)
		default:
			return ctx.Err()
		}
	}
	close(synced)
	select {
	case <-ctx.Done():
		return nil
	case err := <-errc:
		return err
	}
}

// indexer starts obj's informer, waiting for its kind to exist:
// provisioning installs the Tenant CRD when it starts.
func (w *Watcher) indexer(ctx context.Context, obj client.Object) (toolscache.Indexer, error) {
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		inf, err := w.cache.GetInformer(ctx, obj)
		if err == nil {
			sii, ok := inf.(toolscache.SharedIndexInformer)
			if !ok {
				return nil, fmt.Errorf("informer of %T has no indexer", obj)
			}
			return sii.GetIndexer(), w.countEvents(sii, obj)
		}
		if !meta.IsNoMatchError(err) {
			return nil, err
		}
		w.log.Info("waiting for a kind to be installed (provisioning installs the Tenant CRD)", "kind", fmt.Sprintf("%T", obj), "error", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// Tenant is a tenant's usage now; ErrNotFound if there is no such tenant.
// Only call after Run has reported the caches synced.
func (w *Watcher) Tenant(name string) (usage.Tenant, error) {
	obj, ok, err := w.tenants.GetByKey(name)
	if err != nil {
		return usage.Tenant{}, err
	}
	if !ok {
		return usage.Tenant{}, fmt.Errorf("tenant %q: %w", name, apierror.ErrNotFound)
	}
	return w.usage(obj.(*v1alpha1.Tenant))
}

// allFresh is how old Tenants' answer may be: computing every tenant
// walks every cached object, and the pages of a ListTenantUsage walk and
// metrics scrapes arriving together share one. History samples with
// TenantsNow instead.
const allFresh = 500 * time.Millisecond

// Tenants is every tenant's usage, in name order, at most allFresh old.
// The slice is the caller's to reorder.
func (w *Watcher) Tenants() ([]usage.Tenant, error) {
	w.all.Lock()
	defer w.all.Unlock()
	if w.all.tenants == nil || time.Since(w.all.at) > allFresh {
		all, err := w.computeTenants()
		if err != nil {
			return nil, err
		}
		w.all.tenants, w.all.at = all, time.Now()
	}
	return slices.Clone(w.all.tenants), nil
}

// TenantsNow is every tenant's usage computed now, in name order: what
// history samples, which must not lag behind the caches.
func (w *Watcher) TenantsNow() ([]usage.Tenant, error) { return w.computeTenants() }

func (w *Watcher) computeTenants() ([]usage.Tenant, error) {
	objs := w.tenants.List()
	out := make([]usage.Tenant, 0, len(objs))
	for _, obj := range objs {
		u, err := w.usage(obj.(*v1alpha1.Tenant))
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b usage.Tenant) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (w *Watcher) usage(t *v1alpha1.Tenant) (usage.Tenant, error) {
	out := usage.Tenant{Name: t.Name, UID: string(t.UID)}
	nss, err := w.namespaces.ByIndex(byTenant, t.Name)
	if err != nil {
		return out, err
	}
	for _, obj := range nss {
		ns := obj.(*corev1.Namespace)
		if !v1alpha1.Owns(t, ns) {
			continue
		}
		nu := usage.Namespace{Name: ns.Name}
		for i, k := range kinds {
			objs, err := w.indexers[i].ByIndex(toolscache.NamespaceIndex, ns.Name)
			if err != nil {
				return out, err
			}
			for _, o := range objs {
				k.add(&nu, o)
			}
		}
		out.Total.Add(nu.Usage)
		out.Namespaces = append(out.Namespaces, nu)
	}
	slices.SortFunc(out.Namespaces, func(a, b usage.Namespace) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
