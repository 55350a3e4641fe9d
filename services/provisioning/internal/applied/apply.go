package applied

import (
	"context"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/util/csaupgrade"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Applier server-side applies configurations whose live copy lacks
// something they set, and skips the rest. With CreateAbsent it creates the
// objects that do not exist instead: a create costs the API server far
// less than an apply (no structured merge), and most of the operator's
// writes are of new objects.
type Applier struct {
	// Reader holds the live objects: the informer cache in the reconciler,
	// the API server before the caches run.
	Reader client.Reader
	// Live reads the API server when a create finds the object already
	// there (the cache is behind, or the object is not Landlord's and so
	// not in it); nil means Reader.
	Live client.Reader
	// Writer creates and applies, under FieldManager with forced ownership.
	Writer       client.Client
	FieldManager string
	// CreateAbsent creates what does not exist. Only for configurations
	// that set every field the API server would otherwise default or set
	// itself: the create's managed fields include those, and one the
	// configuration lacks would read as a field to remove, so as drift.
	CreateAbsent bool
	// Recent, if set, remembers what this applier created until Reader
	// shows it.
	Recent *Recent
}

// NotOwnedError says an object exists that is not the owner's: the
// applier never writes to it.
type NotOwnedError struct {
	Kind, Name string
	// Controller names the object's controller, if it has one.
	Controller string
}

func (e *NotOwnedError) Error() string {
	if e.Controller != "" {
		return fmt.Sprintf("%s %s already exists and belongs to %s", e.Kind, e.Name, e.Controller)
	}
	return fmt.Sprintf("%s %s already exists and was not created by Landlord for this tenant", e.Kind, e.Name)
}

// configuration is what every generated apply configuration provides.
type configuration interface {
	runtime.ApplyConfiguration
	GetName() *string
	GetNamespace() *string
	GetKind() *string
	GetAPIVersion() *string
}

// Apply writes ac unless the live object already has it, and says
// whether it wrote.
func (a Applier) Apply(ctx context.Context, ac runtime.ApplyConfiguration) (bool, error) {
	return a.ApplyOwned(ctx, ac, "")
}

// ApplyOwned is Apply for an object that must be controlled by owner (a
// UID; "" for any): one that exists under another controller, or none, is
// left as it is and reported as a NotOwnedError.
func (a Applier) ApplyOwned(ctx context.Context, ac runtime.ApplyConfiguration, owner types.UID) (bool, error) {
	kind, key, err := identity(ac)
	if err != nil {
		return false, err
	}
	live, err := a.live(ctx, a.Reader, ac, key)
	if err != nil {
		return false, err
	}
	if live != nil {
		a.Recent.seen(kind, key)
	} else {
		live = a.Recent.lookup(kind, key)
	}
	if live == nil && !a.CreateAbsent {
		return true, a.Writer.Apply(ctx, ac, client.FieldOwner(a.FieldManager), client.ForceOwnership)
	}
	if live == nil {
		created, err := a.create(ctx, ac)
		if err == nil {
			a.Recent.created(kind, key, created)
		}
		if !apierrors.IsAlreadyExists(err) {
			return err == nil, err
		}
		if live, err = a.live(ctx, a.liveReader(), ac, key); err != nil || live == nil {
			return false, fmt.Errorf("%s %s: created and deleted meanwhile, try again: %w", kind, key.Name, err)
		}
	}
	if err := notOwned(live, kind, owner); err != nil {
		return false, err
	}
	created := a.createdEntry(live) // before UpToDate drops the managed fields
	if same, err := UpToDate(ac, live, a.FieldManager); err != nil || same {
		return false, err
	}
	if created {
		if err := a.upgradeCreated(ctx, ac, key); err != nil {
			return false, err
		}
	}
	return true, a.Writer.Apply(ctx, ac, client.FieldOwner(a.FieldManager), client.ForceOwnership)
}

// notOwned is a NotOwnedError unless owner is "" or live's controller.
func notOwned(live client.Object, kind string, owner types.UID) error {
	ref := metav1.GetControllerOfNoCopy(live)
	if owner == "" || (ref != nil && ref.UID == owner) {
		return nil
	}
	e := &NotOwnedError{Kind: kind, Name: live.GetName()}
	if ref != nil {
		e.Controller = ref.Kind + " " + ref.Name
	}
	return e
}

func (a Applier) liveReader() client.Reader {
	if a.Live != nil {
		return a.Live
	}
	return a.Reader
}

// create creates ac's object as a typed object under FieldManager and
// returns it as the API server stored it.
func (a Applier) create(ctx context.Context, ac runtime.ApplyConfiguration) (client.Object, error) {
	obj, err := a.newObject(ac)
	if err != nil {
		return nil, err
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(ac)
	if err != nil {
		return nil, err
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u, obj); err != nil {
		return nil, err
	}
	return obj, a.Writer.Create(ctx, obj, client.FieldOwner(a.FieldManager))
}

// createdEntry reports whether a create under FieldManager still owns
// fields of live (an Update entry), which upgradeCreated must hand over.
func (a Applier) createdEntry(live client.Object) bool {
	return slices.ContainsFunc(live.GetManagedFields(), func(e metav1.ManagedFieldsEntry) bool {
		return e.Manager == a.FieldManager && e.Operation == metav1.ManagedFieldsOperationUpdate && e.Subresource == ""
	})
}

// upgradeCreated hands the fields a create gave FieldManager (an Update
// entry) to its apply entry, so that the apply about to happen removes
// what it no longer sets instead of leaving it to the create's entry, for
// ever different from what is rendered. One write, once per object.
//
// The patch replaces every manager's entries, so it is computed from the
// object as the API server has it, not from a cache that may hold only
// some of them.
func (a Applier) upgradeCreated(ctx context.Context, ac runtime.ApplyConfiguration, key client.ObjectKey) error {
	live, err := a.live(ctx, a.liveReader(), ac, key)
	if err != nil || live == nil {
		return err
	}
	patch, err := csaupgrade.UpgradeManagedFieldsPatch(live, sets.New(a.FieldManager), a.FieldManager)
	if err != nil || patch == nil {
		return err
	}
	return a.Writer.Patch(ctx, live, client.RawPatch(types.JSONPatchType, patch))
}

// identity is ac's kind and key.
func identity(ac runtime.ApplyConfiguration) (string, client.ObjectKey, error) {
	c, ok := ac.(configuration)
	if !ok || c.GetName() == nil || c.GetKind() == nil || c.GetAPIVersion() == nil {
		return "", client.ObjectKey{}, fmt.Errorf("%T: not a named apply configuration", ac)
	}
	key := client.ObjectKey{Name: *c.GetName()}
	if ns := c.GetNamespace(); ns != nil {
		key.Namespace = *ns
	}
	return *c.GetKind(), key, nil
}

// live reads ac's object (at key) from r into a new typed object, or
// returns nil if the object does not exist.
func (a Applier) live(ctx context.Context, r client.Reader, ac runtime.ApplyConfiguration, key client.ObjectKey) (client.Object, error) {
	live, err := a.newObject(ac)
	if err != nil {
		return nil, err
	}
	if err := r.Get(ctx, key, live); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return live, nil
}

// newObject is an empty typed object of ac's kind (identity has checked
// that ac names one).
func (a Applier) newObject(ac runtime.ApplyConfiguration) (client.Object, error) {
	c := ac.(configuration)
	gv, err := schema.ParseGroupVersion(*c.GetAPIVersion())
	if err != nil {
		return nil, err
	}
	obj, err := a.Writer.Scheme().New(gv.WithKind(*c.GetKind()))
	if err != nil {
		return nil, err
	}
	live, ok := obj.(client.Object)
	if !ok {
		return nil, fmt.Errorf("%T is not an object", obj)
	}
	return live, nil
}
