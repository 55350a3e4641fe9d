package applied

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Applier server-side applies configurations whose live copy lacks
// something they set, and skips the rest.
type Applier struct {
	// Reader holds the live objects: the informer cache in the reconciler,
	// the API server before the caches run.
	Reader client.Reader
	// Writer applies, under FieldManager with forced ownership.
	Writer       client.Client
	FieldManager string
}

// configuration is what every generated apply configuration provides.
type configuration interface {
	runtime.ApplyConfiguration
	GetName() *string
	GetNamespace() *string
	GetKind() *string
	GetAPIVersion() *string
}

// Apply applies ac unless the live object already has it, and says
// whether it wrote.
func (a Applier) Apply(ctx context.Context, ac runtime.ApplyConfiguration) (bool, error) {
	live, err := a.live(ctx, ac)
	if err != nil {
		return false, err
	}
	if live != nil {
		if same, err := UpToDate(ac, live, a.FieldManager); err != nil || same {
			return false, err
		}
	}
	return true, a.Writer.Apply(ctx, ac, client.FieldOwner(a.FieldManager), client.ForceOwnership)
}

// live reads ac's object into a new typed object, or returns nil if the
// object does not exist.
func (a Applier) live(ctx context.Context, ac runtime.ApplyConfiguration) (client.Object, error) {
	c, ok := ac.(configuration)
	if !ok || c.GetName() == nil || c.GetKind() == nil || c.GetAPIVersion() == nil {
		return nil, fmt.Errorf("%T: not a named apply configuration", ac)
	}
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
	key := client.ObjectKey{Name: *c.GetName()}
	if ns := c.GetNamespace(); ns != nil {
		key.Namespace = *ns
	}
	if err := a.Reader.Get(ctx, key, live); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return live, nil
}
