// Package tenants is provisioning's API domain: it keeps Tenant resources
// in the cluster, checking what the CRD's schema cannot (plans, counts,
// idempotent creates) before anything is written. The operator does the
// rest; this package never touches a tenant's namespaces.
package tenants

import (
	"context"
	"errors"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/controller"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// RequestIDAnnotation remembers the request that created a tenant, so a
// retried create is answered with the tenant instead of ALREADY_EXISTS.
const RequestIDAnnotation = "landlord.dev/request-id"

// maxClusterName is a namespace name's limit (a DNS label).
const maxClusterName = 63

// What the API writes: tenants; and it reads a namespace an added one
// would take, straight from the API server (claims).
// +kubebuilder:rbac:groups=landlord.dev,resources=tenants,verbs=get;create;update;delete
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get

// Service keeps tenants.
type Service struct {
	// Client writes to the API server.
	Client client.Client
	// Reader reads straight from the API server, so a read follows the
	// caller's own writes.
	Reader client.Reader
	// Cache lists from the operator's informer, for lists and watches.
	Cache client.Reader
	// Plans are the quota service's plans, as last received.
	Plans plans.Source
	// PlansReady, if set, says whether any plans were received yet: until
	// then a plan is not unknown, only not known yet (UNAVAILABLE).
	PlansReady func() bool
	// Quota decides how many namespaces a tenant may have.
	Quota Quota
}

// Quota is the quota service's admission: whether a tenant on plan may
// have count namespaces. Its error is a gRPC status the caller gets as it
// is: RESOURCE_EXHAUSTED naming the limit, INVALID_ARGUMENT for a plan it
// does not know.
type Quota interface {
	AdmitNamespaces(ctx context.Context, tenant, plan string, count int) error
}

// Create stores a new tenant. The finalizer is set at once, so the
// operator need not write the tenant again before provisioning it.
func (s *Service) Create(ctx context.Context, in *provisioningv1.Tenant, requestID string) (*v1alpha1.Tenant, error) {
	t := &v1alpha1.Tenant{
		ObjectMeta: metav1.ObjectMeta{Name: in.GetName(), Finalizers: []string{v1alpha1.Finalizer}},
		Spec:       specFromProto(in),
	}
	if requestID != "" {
		t.Annotations = map[string]string{RequestIDAnnotation: requestID}
	}
	var names []string
	for _, ns := range t.Spec.Namespaces {
		names = append(names, ns.Name)
	}
	if err := s.check(ctx, t, names, "", true); err != nil {
		return nil, err
	}
	err := s.Client.Create(ctx, t)
	if apierrors.IsAlreadyExists(err) {
		if existing, err := s.retried(ctx, in.GetName(), requestID); existing != nil || err != nil {
			return existing, err
		}
	}
	return t, fromKube(err)
}

// retried returns the tenant a call with the same request id created.
func (s *Service) retried(ctx context.Context, name, requestID string) (*v1alpha1.Tenant, error) {
	if requestID == "" {
		return nil, nil
	}
	existing, err := s.Get(ctx, name)
	if errors.Is(err, apierror.ErrNotFound) || (err == nil && existing.Annotations[RequestIDAnnotation] != requestID) {
		return nil, nil
	}
	return existing, err
}

// Get reads one tenant.
func (s *Service) Get(ctx context.Context, name string) (*v1alpha1.Tenant, error) {
	t := &v1alpha1.Tenant{}
	return t, fromKube(s.Reader.Get(ctx, client.ObjectKey{Name: name}, t))
}

// Update changes the fields named in mask. A non-empty etag must be the
// tenant's current one.
func (s *Service) Update(ctx context.Context, in *provisioningv1.Tenant, mask []string) (*v1alpha1.Tenant, error) {
	return s.modify(ctx, in.GetName(), in.GetEtag(), func(t *v1alpha1.Tenant) error {
		plan := t.Spec.Plan
		for _, f := range mask {
			if !setField(&t.Spec, in, f) {
				return apierror.InvalidArgument("update_mask", fmt.Sprintf("%q cannot be updated; updatable: %v", f, UpdatableFields))
			}
		}
		return s.check(ctx, t, nil, "", t.Spec.Plan != plan)
	})
}

// Delete deletes a tenant unless deletion protection is on. The operator
// then removes its namespaces and lets the tenant go. forcedBy, when not
// empty, names the platform admin who asks the operator to remove the
// finalizers that keep the namespaces from terminating.
func (s *Service) Delete(ctx context.Context, name, etag, forcedBy string) error {
	return fromKube(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		t, err := s.read(ctx, name, etag)
		if err != nil {
			return err
		}
		deleting := !t.DeletionTimestamp.IsZero()
		if !deleting && t.Spec.DeletionProtection {
			return fmt.Errorf("tenant %s has deletion protection; turn it off first: %w", name, apierror.ErrFailedPrecondition)
		}
		if forcedBy != "" && t.Annotations[controller.ForceDeleteAnnotation] == "" {
			metav1.SetMetaDataAnnotation(&t.ObjectMeta, controller.ForceDeleteAnnotation, forcedBy)
			if err := s.Client.Update(ctx, t); err != nil {
				return conflictOrDomain(err)
			}
		}
		if deleting {
			return nil // already on its way
		}
		// Pinned to the version read, so a tenant protected or changed in
		// between is not deleted; a conflict reads it again.
		pre := metav1.Preconditions{UID: &t.UID, ResourceVersion: &t.ResourceVersion}
		return conflictOrDomain(s.Client.Delete(ctx, t, &client.DeleteOptions{Preconditions: &pre}))
	}))
}

// SetHibernated asks the operator to put the tenant to sleep (for
// reason) or wake it (reason ignored).
func (s *Service) SetHibernated(ctx context.Context, name string, hibernated bool, reason v1alpha1.HibernationReason) (*v1alpha1.Tenant, error) {
	return s.modify(ctx, name, "", func(t *v1alpha1.Tenant) error {
		hibernate(t, hibernated, reason)
		return nil
	})
}

// HibernateIdle puts a tenant found idle to sleep, unless it changed since
// it was found idle (etag) or already sleeps.
func (s *Service) HibernateIdle(ctx context.Context, name, etag string) (*v1alpha1.Tenant, error) {
	return s.modify(ctx, name, etag, func(t *v1alpha1.Tenant) error {
		if t.Spec.Hibernation.Hibernated {
			return fmt.Errorf("tenant %s is already hibernated: %w", name, apierror.ErrFailedPrecondition)
		}
		hibernate(t, true, v1alpha1.HibernationIdle)
		return nil
	})
}

// WakeIfIdle wakes a tenant that sleeps because it was idle, for a
// member's request; one put to sleep on request stays asleep. It reports
// whether it woke the tenant.
func (s *Service) WakeIfIdle(ctx context.Context, name string) (bool, error) {
	woke := false
	_, err := s.modify(ctx, name, "", func(t *v1alpha1.Tenant) error {
		woke = t.Spec.Hibernation.Hibernated && t.Spec.Hibernation.Reason == v1alpha1.HibernationIdle
		if !woke {
			return errUnchanged
		}
		hibernate(t, false, "")
		return nil
	})
	if errors.Is(err, errUnchanged) {
		err = nil
	}
	return woke, err
}

// errUnchanged ends a modify that has nothing to change.
var errUnchanged = errors.New("unchanged")

func hibernate(t *v1alpha1.Tenant, hibernated bool, reason v1alpha1.HibernationReason) {
	t.Spec.Hibernation.Hibernated = hibernated
	t.Spec.Hibernation.Reason = ""
	if hibernated {
		t.Spec.Hibernation.Reason = reason
	}
}

// AddNamespace adds a namespace within the plan's namespace count.
func (s *Service) AddNamespace(ctx context.Context, tenant, name string) (*v1alpha1.Tenant, error) {
	return s.modify(ctx, tenant, "", func(t *v1alpha1.Tenant) error {
		if slices.ContainsFunc(t.Spec.Namespaces, func(n v1alpha1.TenantNamespace) bool { return n.Name == name }) {
			return fmt.Errorf("namespace %s of tenant %s %w", name, tenant, apierror.ErrAlreadyExists)
		}
		t.Spec.Namespaces = append(t.Spec.Namespaces, v1alpha1.TenantNamespace{Name: name})
		return s.check(ctx, t, []string{name}, "namespace.name", true)
	})
}

// RemoveNamespace drops a namespace; the operator deletes it.
func (s *Service) RemoveNamespace(ctx context.Context, tenant, name string) (*v1alpha1.Tenant, error) {
	return s.modify(ctx, tenant, "", func(t *v1alpha1.Tenant) error {
		i := slices.IndexFunc(t.Spec.Namespaces, func(n v1alpha1.TenantNamespace) bool { return n.Name == name })
		if i < 0 {
			return fmt.Errorf("namespace %s of tenant %s %w", name, tenant, apierror.ErrNotFound)
		}
		t.Spec.Namespaces = slices.Delete(t.Spec.Namespaces, i, i+1)
		return nil
	})
}

// modify reads, changes and writes a tenant, reading again when someone
// else (usually the operator, writing status) wrote in between.
func (s *Service) modify(ctx context.Context, name, etag string, change func(*v1alpha1.Tenant) error) (*v1alpha1.Tenant, error) {
	var t *v1alpha1.Tenant
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var err error
		if t, err = s.read(ctx, name, etag); err != nil {
			return err
		}
		if !t.DeletionTimestamp.IsZero() {
			return fmt.Errorf("tenant %s is being deleted: %w", name, apierror.ErrFailedPrecondition)
		}
		if err := change(t); err != nil {
			return err
		}
		return conflictOrDomain(s.Client.Update(ctx, t))
	})
	return t, fromKube(err) // still conflicting after the retries
}

// read gets a tenant and, if the caller gave an etag, checks it is still
// the tenant's.
func (s *Service) read(ctx context.Context, name, etag string) (*v1alpha1.Tenant, error) {
	t, err := s.Get(ctx, name)
	if err == nil && etag != "" && etag != Etag(t) {
		err = apierror.ErrEtagMismatch
	}
	return t, err
}

// conflictOrDomain keeps a Conflict as it is, for RetryOnConflict to
// retry, and maps every other API server error.
func conflictOrDomain(err error) error {
	if apierrors.IsConflict(err) {
		return err
	}
	return fromKube(err)
}

// check enforces the plan (it must exist) and the names: each namespace
// fits, is not reserved and, among added (the namespaces this call adds),
// is no one else's; each ingress domain is no other tenant's. With admit
// (a new tenant, a new plan, more namespaces) the quota service must admit
// the namespace count.
// A violation in an added namespace names addedField when set (the
// request's own field, for CreateNamespace).
func (s *Service) check(ctx context.Context, t *v1alpha1.Tenant, added []string, addedField string, admit bool) error {
	spec := t.Spec
	if s.PlansReady != nil && !s.PlansReady() {
		return fmt.Errorf("plans not received from the quota service yet; retry: %w", apierror.ErrUnavailable)
	}
	if spec.Plan == "" {
		return apierror.InvalidArgument("tenant.plan", fmt.Sprintf("required; plans: %v", s.Plans.Names()))
	}
	// The plans received are a cache: a plan created a moment ago may not
	// be in it yet, so when quota is asked anyway, its answer decides.
	if _, ok := s.Plans.Plan(spec.Plan); !ok && !admit {
		return apierror.InvalidArgument("tenant.plan", fmt.Sprintf("no plan %q; plans: %v", spec.Plan, s.Plans.Names()))
	}
	if why := render.ReservedTenantName(t.Name); why != "" {
		return apierror.InvalidArgument("tenant.name", why)
	}
	var bad apierror.InvalidArgumentError
	seen := map[string]bool{}
	for i, ns := range spec.Namespaces {
		field := fmt.Sprintf("tenant.namespaces[%d].name", i)
		if addedField != "" && slices.Contains(added, ns.Name) {
			field = addedField
		}
		name := render.ClusterName(t.Name, ns.Name)
		switch {
		case seen[ns.Name]:
			bad.Violations = append(bad.Violations, apierror.FieldViolation{Field: field, Description: "appears twice"})
		case len(name) > maxClusterName:
			bad.Violations = append(bad.Violations, apierror.FieldViolation{Field: field,
				Description: fmt.Sprintf("%q is %d characters; a namespace name is at most %d", name, len(name), maxClusterName)})
		case render.ReservedClusterName(name) != "":
			bad.Violations = append(bad.Violations, apierror.FieldViolation{Field: field, Description: render.ReservedClusterName(name)})
		}
		seen[ns.Name] = true
	}
	if len(bad.Violations) > 0 {
		return &bad
	}
	if err := s.claims(ctx, t, added); err != nil || !admit {
		return err
	}
	// Last: the one check that costs a call to another service.
	if s.Quota == nil {
		return errors.New("tenants: no quota service to admit namespaces")
	}
	return s.Quota.AdmitNamespaces(ctx, t.Name, spec.Plan, len(spec.Namespaces))
}
