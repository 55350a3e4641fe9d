// Package applied decides whether a server-side apply would change
// anything, so that the operator writes only what differs: every watch
// event and every restart reconciles, and re-applying an unchanged object
// still costs the API server a full apply.
package applied

import (
	"encoding/json"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// UpToDate reports whether applying desired as manager would leave live
// as it is: live already has every field the apply configuration sets,
// with the same value, and manager's earlier applies (and the create that
// made the object, which Applier hands to the apply entry before applying)
// own no field that desired no longer sets (an apply would remove it). Both sides are
// compared in their unstructured (JSON) form, so a field that render
// starts or stops setting is covered without code here, and quantities are
// in canonical form on both sides. live is changed (its managed fields are
// dropped): pass a copy.
func UpToDate(desired runtime.ApplyConfiguration, live runtime.Object, manager string) (bool, error) {
	want, err := runtime.DefaultUnstructuredConverter.ToUnstructured(desired)
	if err != nil {
		return false, err
	}
	// Typed objects read from a cache carry no kind; the lookup was by kind.
	delete(want, "apiVersion")
	delete(want, "kind")
	m, err := meta.Accessor(live)
	if err != nil {
		return false, err
	}
	for _, entry := range m.GetManagedFields() {
		ours := entry.Operation == metav1.ManagedFieldsOperationApply || entry.Operation == metav1.ManagedFieldsOperationUpdate
		if entry.Manager == manager && ours && entry.Subresource == "" && entry.FieldsV1 != nil {
			var owned map[string]any
			if err := json.Unmarshal(entry.FieldsV1.Raw, &owned); err != nil {
				return false, err
			}
			if !wanted(owned, want) {
				return false, nil
			}
		}
	}
	m.SetManagedFields(nil) // large, and never set by an apply configuration
	have, err := runtime.DefaultUnstructuredConverter.ToUnstructured(live)
	if err != nil {
		return false, err
	}
	return Contains(want, have), nil
}

// wanted reports whether every field in owned (a managed fields set,
// FieldsV1) is set in want. List items ("k:", "v:", "i:") are left to
// Contains, which compares lists item by item.
func wanted(owned map[string]any, want any) bool {
	w, _ := want.(map[string]any)
	for key, sub := range owned {
		name, ok := strings.CutPrefix(key, "f:")
		if !ok {
			continue
		}
		v, present := w[name]
		if !present {
			return false
		}
		if fields, ok := sub.(map[string]any); ok && len(fields) > 0 {
			if _, list := v.([]any); !list && !wanted(fields, v) {
				return false
			}
		}
	}
	return true
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
