package quotasync

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// conflictRetries is how often a write is tried again after someone else
// changed the quota between its read and its patch; after that it is left
// (the quota service sends writes the cluster lacks again).
const conflictRetries = 3

// Outcome is what applying a write did.
type Outcome int

// Outcomes of Apply.
const (
	// Created: the ResourceQuota did not exist and was created.
	Created Outcome = iota + 1
	// Patched: the ResourceQuota held an older write and now holds this one.
	Patched
	// Current: the ResourceQuota already holds this write or a newer one.
	Current
	// Skipped: no ResourceQuota, and its namespace is not (or no longer)
	// the write's tenant's: EnsureQuota creates it once the namespace is.
	Skipped
)

func (o Outcome) String() string {
	return [...]string{"none", "created", "patched", "current", "skipped"}[o]
}

// remember keeps the newest write of each namespace and returns, one per
// namespace, the writes of a message that are the newest seen for theirs.
// A write sent again (the same sequence number: the quota service resends
// what the cluster still lacks) is applied again; an older one is not.
func (s *Syncer) remember(writes []*quotav1.QuotaWrite) []*quotav1.QuotaWrite {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*quotav1.QuotaWrite
	for _, w := range writes {
		if old := s.latest[w.GetNamespace()]; old != nil && old.GetSeq() > w.GetSeq() {
			continue
		}
		s.latest[w.GetNamespace()] = w
	}
	seen := map[string]bool{}
	for _, w := range writes {
		if ns := w.GetNamespace(); !seen[ns] && s.latest[ns] == w {
			seen[ns] = true
			out = append(out, w)
		}
	}
	return out
}

// Latest is the newest write seen for a namespace, if any.
func (s *Syncer) Latest(namespace string) (*quotav1.QuotaWrite, bool) {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.latest[namespace]
	return w, ok
}

// applyRemembered applies every write remembered so far, once this
// replica leads.
func (s *Syncer) applyRemembered(ctx context.Context) {
	s.mu.Lock()
	writes := make([]*quotav1.QuotaWrite, 0, len(s.latest))
	for _, w := range s.latest {
		writes = append(writes, w)
	}
	s.mu.Unlock()
	s.applyAll(ctx, writes)
}

// applyAll applies writes (one per namespace) with bounded concurrency;
// each failure is logged, not returned: the quota service sends what the
// cluster lacks again.
func (s *Syncer) applyAll(ctx context.Context, writes []*quotav1.QuotaWrite) {
	var g errgroup.Group
	g.SetLimit(cmp.Or(s.Workers, DefaultWorkers))
	for _, w := range writes {
		g.Go(func() error {
			out, err := s.Apply(ctx, w, false)
			if err != nil && ctx.Err() == nil {
				s.log().Error("applying a quota write", "tenant", w.GetTenant(), "namespace", w.GetNamespace(), "seq", w.GetSeq(), "error", err)
			} else if err == nil {
				s.log().Debug("quota write", "tenant", w.GetTenant(), "namespace", w.GetNamespace(), "seq", w.GetSeq(), "outcome", out)
			}
			return nil
		})
	}
	_ = g.Wait()
}

// EnsureQuota reports whether the namespace's ResourceQuotas (both:
// v1alpha1.QuotaNames) hold one of the quota service's writes; if not, and
// the newest write for it (of this tenant) is known, it applies that
// write now. The operator calls it before it binds tenant roles in the
// namespace, once it holds the namespace for tenant.
func (s *Syncer) EnsureQuota(ctx context.Context, tenant, namespace string) (bool, error) {
	s.init()
	held := 0
	for _, name := range v1alpha1.QuotaNames {
		cached := &corev1.ResourceQuota{}
		err := s.Kube.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, cached)
		switch {
		case err == nil:
			if _, ok := seqOf(cached); ok && cached.Labels[render.LabelTenant] == tenant {
				held++
			}
		case !apierrors.IsNotFound(err):
			return false, err
		}
	}
	if held == len(v1alpha1.QuotaNames) {
		return true, nil
	}
	// Absent from the cache (or holding no write yet): if this syncer just
	// created them, Apply finds them on the API server and writes nothing.
	w, ok := s.Latest(namespace)
	if !ok || w.GetTenant() != tenant {
		return false, nil
	}
	out, err := s.Apply(ctx, w, true)
	if err != nil {
		return false, err
	}
	return out != Skipped, nil
}

// Apply writes w into its namespace's ResourceQuota unless the quota holds
// w or a newer write already. Without a quota there, it is created only if
// the namespace exists, is not terminating and is labelled as w's
// tenant's, or if trusted (the caller, the operator, holds the namespace
// for the tenant and its cache may not show it yet). A quota found
// labelled for another tenant is never written.
//
// The write is split between the namespace's two quotas
// (v1alpha1.QuotaNameFor), each applied on its own: every resource is in
// one of them, so each resource's limit changes in one write as before.
// The objects' quota goes first, so that a namespace still on one quota
// holding everything never goes without a count limit.
func (s *Syncer) Apply(ctx context.Context, w *quotav1.QuotaWrite, trusted bool) (Outcome, error) {
	s.init()
	hard, err := parseHard(w.GetHard())
	if err != nil {
		return 0, fmt.Errorf("quota write %d for %s: %w", w.GetSeq(), w.GetNamespace(), err)
	}
	parts := map[string]corev1.ResourceList{}
	for _, name := range v1alpha1.QuotaNames {
		parts[name] = corev1.ResourceList{}
	}
	for r, q := range hard {
		parts[v1alpha1.QuotaNameFor(string(r))][r] = q
	}
	outcome := Current
	for _, name := range v1alpha1.QuotaNames {
		out, err := s.applyTo(ctx, name, w, parts[name], trusted)
		if err != nil {
			return 0, err
		}
		if rank(out) > rank(outcome) {
			outcome = out
		}
	}
	return outcome, nil
}

// rank orders the outcomes of a write's parts for the whole: one part
// skipped skips the write, then created over patched over current.
func rank(o Outcome) int { return [...]int{Current: 0, Patched: 1, Created: 2, Skipped: 3}[o] }

// applyTo writes w's limits for one of the namespace's quotas.
func (s *Syncer) applyTo(ctx context.Context, name string, w *quotav1.QuotaWrite, hard corev1.ResourceList, trusted bool) (Outcome, error) {
	key := client.ObjectKey{Namespace: w.GetNamespace(), Name: name}
	// What the cache shows is at most as new as the object: a sequence
	// number there at or above w's is one the live object has too.
	cached := &corev1.ResourceQuota{}
	if err := s.Kube.Get(ctx, key, cached); err == nil {
		if holds(cached, w, hard) && cached.Labels[render.LabelTenant] == w.GetTenant() {
			return Current, nil
		}
	}
	for attempt := 0; ; attempt++ {
		live := &corev1.ResourceQuota{}
		err := s.Live.Get(ctx, key, live)
		switch {
		case apierrors.IsNotFound(err):
			if !trusted {
				if ok, err := s.namespaceIsTenants(ctx, w); err != nil || !ok {
					return Skipped, err
				}
			}
			err = s.create(ctx, name, w, hard)
			if err == nil {
				return Created, nil
			}
			if !apierrors.IsAlreadyExists(err) {
				return 0, err
			}
			// Created meanwhile (by the operator's pass or a previous
			// write): read it again.
		case err != nil:
			return 0, err
		default:
			if live.Labels[render.LabelTenant] != w.GetTenant() {
				return Skipped, fmt.Errorf("quota %s/%s belongs to tenant %q, not %q: left alone", key.Namespace, key.Name, live.Labels[render.LabelTenant], w.GetTenant())
			}
			if holds(live, w, hard) {
				return Current, nil // never older over newer
			}
			err = s.patch(ctx, live, w, hard)
			if err == nil {
				return Patched, nil
			}
			// Conflict: the resourceVersion fallback lost a race. Invalid:
			// the sequence number test failed, a newer write landed.
			if !apierrors.IsConflict(err) && !apierrors.IsInvalid(err) {
				return 0, err
			}
		}
		if attempt >= conflictRetries {
			return 0, fmt.Errorf("quota %s/%s changed under every one of %d tries: %w", key.Namespace, key.Name, attempt+1, err)
		}
	}
}

// holds says whether rq holds w or a newer write. A quota holding w
// itself but limiting other resources than w gives it (one quota holding
// everything, from before the split) takes w again.
func holds(rq *corev1.ResourceQuota, w *quotav1.QuotaWrite, hard corev1.ResourceList) bool {
	seq, _ := seqOf(rq)
	if seq != w.GetSeq() {
		return seq > w.GetSeq()
	}
	if len(rq.Spec.Hard) != len(hard) {
		return false
	}
	for r := range hard {
		if _, ok := rq.Spec.Hard[r]; !ok {
			return false
		}
	}
	return true
}

// create makes the ResourceQuota name holding w's hard.
func (s *Syncer) create(ctx context.Context, name string, w *quotav1.QuotaWrite, hard corev1.ResourceList) error {
	short := strings.TrimPrefix(w.GetNamespace(), w.GetTenant()+"-")
	rq := &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Namespace: w.GetNamespace(), Name: name,
			Labels:      render.Labels(w.GetTenant(), short),
			Annotations: map[string]string{render.AnnotationQuotaSeq: strconv.FormatUint(w.GetSeq(), 10)}},
		Spec: corev1.ResourceQuotaSpec{Hard: hard},
	}
	return s.Kube.Create(ctx, rq, client.FieldOwner(v1alpha1.FieldManager))
}

// patch replaces live's hard limits and sequence number with w's, on the
// condition that the quota still holds the write it held when read. That
// condition is a JSON patch test of the sequence number, not a
// resourceVersion precondition: the API server's quota admission updates
// the quota's status with every admitted object, so under load a
// resourceVersion precondition would lose nearly every time, while the
// test holds whatever happens to the status. A quota without a sequence
// number (written before the quota service) falls back to the
// resourceVersion.
func (s *Syncer) patch(ctx context.Context, live *corev1.ResourceQuota, w *quotav1.QuotaWrite, hard corev1.ResourceList) error {
	held, ok := live.Annotations[render.AnnotationQuotaSeq]
	if !ok {
		orig := live.DeepCopy()
		metav1.SetMetaDataAnnotation(&live.ObjectMeta, render.AnnotationQuotaSeq, strconv.FormatUint(w.GetSeq(), 10))
		live.Spec.Hard = hard
		return s.Kube.Patch(ctx, live, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{}),
			client.FieldOwner(v1alpha1.FieldManager))
	}
	seqPath := "/metadata/annotations/" + strings.ReplaceAll(strings.ReplaceAll(render.AnnotationQuotaSeq, "~", "~0"), "/", "~1")
	ops, err := json.Marshal([]map[string]any{
		{"op": "test", "path": seqPath, "value": held},
		{"op": "add", "path": seqPath, "value": strconv.FormatUint(w.GetSeq(), 10)},
		{"op": "add", "path": "/spec/hard", "value": hard},
	})
	if err != nil {
		return err
	}
	return s.Kube.Patch(ctx, live, client.RawPatch(types.JSONPatchType, ops), client.FieldOwner(v1alpha1.FieldManager))
}

// namespaceIsTenants: the namespace exists, is not terminating and is
// labelled as w's tenant's (a label only the operator may write). The
// cache first; the API server if the cache does not have it yet.
func (s *Syncer) namespaceIsTenants(ctx context.Context, w *quotav1.QuotaWrite) (bool, error) {
	ns := &corev1.Namespace{}
	err := s.Kube.Get(ctx, client.ObjectKey{Name: w.GetNamespace()}, ns)
	if apierrors.IsNotFound(err) {
		err = s.Live.Get(ctx, client.ObjectKey{Name: w.GetNamespace()}, ns)
	}
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return ns.DeletionTimestamp.IsZero() && ns.Status.Phase != corev1.NamespaceTerminating &&
		ns.Labels[render.LabelTenant] == w.GetTenant(), nil
}

// seqOf is the sequence number of the write a quota holds (0, false if it
// holds none).
func seqOf(rq *corev1.ResourceQuota) (uint64, bool) {
	v, ok := rq.Annotations[render.AnnotationQuotaSeq]
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseUint(v, 10, 64)
	return seq, err == nil
}

// parseHard parses a write's hard limits; any quantity that does not parse
// refuses the whole write.
func parseHard(m map[string]string) (corev1.ResourceList, error) {
	out := make(corev1.ResourceList, len(m))
	var errs []error
	for name, v := range m {
		q, err := resource.ParseQuantity(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a quantity", name, v))
			continue
		}
		out[corev1.ResourceName(name)] = q
	}
	return out, errors.Join(errs...)
}
