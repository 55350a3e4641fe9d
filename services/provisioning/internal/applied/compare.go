// Package applied decides whether a server-side apply would change
// anything, so that the operator writes only what differs: every watch
// event and every restart reconciles, and re-applying an unchanged object
// still costs the API server a full apply.
package applied

import (
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
)

// UpToDate reports whether live already has every field the apply
// configuration sets, with the same value. Both sides are compared in
// their unstructured (JSON) form, so a field that render starts setting is
// covered without code here, and quantities are in canonical form on both
// sides. live is changed (its managed fields are dropped): pass a copy.
func UpToDate(desired runtime.ApplyConfiguration, live runtime.Object) (bool, error) {
	want, err := runtime.DefaultUnstructuredConverter.ToUnstructured(desired)
	if err != nil {
		return false, err
	}
	// Typed objects read from a cache carry no kind; the lookup was by kind.
	delete(want, "apiVersion")
	delete(want, "kind")
	if m, err := meta.Accessor(live); err == nil {
		m.SetManagedFields(nil) // large, and never set by an apply configuration
	}
	have, err := runtime.DefaultUnstructuredConverter.ToUnstructured(live)
	if err != nil {
		return false, err
	}
	return Contains(want, have), nil
}

// Contains reports whether have holds everything want sets:
//   - objects: every key of want, recursively; have may hold more (labels
//     others add, fields the API server defaults, other managers' fields),
//     except that an empty object in want must be empty in have (an empty
//     pod selector means every pod, and one that gained labels does not);
//   - lists: the same length, item by item, each item recursively (so a
//     default the server fills into an item, like a NetworkPolicy port's
//     protocol, is no difference, but an added or dropped item is);
//   - scalars: equal.
func Contains(want, have any) bool {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return false
		}
		if len(w) == 0 {
			return len(h) == 0
		}
		for k, wv := range w {
			hv, ok := h[k]
			if !ok || !Contains(wv, hv) {
				return false
			}
		}
		return true
	case []any:
		h, ok := have.([]any)
		if !ok || len(h) != len(w) {
			return false
		}
		for i := range w {
			if !Contains(w[i], h[i]) {
				return false
			}
		}
		return true
	default:
		if w, ok := number(want); ok {
			h, ok := number(have)
			return ok && w == h
		}
		return equality.Semantic.DeepEqual(want, have)
	}
}

// number reads the numbers unstructured objects hold: int64 from the API
// machinery's decoder, float64 from encoding/json (YAML files).
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	}
	return 0, false
}
