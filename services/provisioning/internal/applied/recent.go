package applied

import (
	"sync"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Recent remembers the objects an Applier created until its cache has
// them: the pass that the first of a tenant's create events starts reads a
// cache that does not yet hold the others, and would create them again
// (the API server refuses, after running admission). Entries expire, so an
// object deleted before the cache ever showed it is created again soon.
type Recent struct {
	TTL time.Duration
	m   sync.Map // key -> recentEntry
}

type recentEntry struct {
	obj     client.Object
	created time.Time
}

type recentKey struct{ kind, namespace, name string }

func (r *Recent) key(kind string, obj client.ObjectKey) recentKey {
	return recentKey{kind, obj.Namespace, obj.Name}
}

// created records an object this applier created.
func (r *Recent) created(kind string, key client.ObjectKey, obj client.Object) {
	if r != nil {
		r.m.Store(r.key(kind, key), recentEntry{obj: obj, created: time.Now()})
	}
}

// lookup returns a recently created object the cache does not show yet.
func (r *Recent) lookup(kind string, key client.ObjectKey) client.Object {
	if r == nil {
		return nil
	}
	v, ok := r.m.Load(r.key(kind, key))
	if !ok {
		return nil
	}
	e := v.(recentEntry)
	if time.Since(e.created) > r.TTL {
		r.m.Delete(r.key(kind, key))
		return nil
	}
	return e.obj.DeepCopyObject().(client.Object)
}

// seen forgets an object once the cache shows it.
func (r *Recent) seen(kind string, key client.ObjectKey) {
	if r != nil {
		r.m.Delete(r.key(kind, key))
	}
}
