package ledger

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// The ledger counts in int64 units, not resource.Quantity: its arithmetic
// is exact, allocation-free and cheap to compare, copy and store, which the
// hot path and the invariant checks want. CPU resources count millicores,
// the smallest CPU quantity Kubernetes accepts; every other resource counts
// whole units (bytes, objects), which is what ResourceQuota accepts for
// object counts. Conversions happen once, at the boundary, and round the
// safe way: limits down, usage and observed limits up.

// scale is the power of ten of one ledger unit of a resource.
func scale(name string) resource.Scale {
	if name == "cpu" || strings.HasSuffix(name, ".cpu") {
		return resource.Milli
	}
	return 0
}

// ToUnits converts a quantity of the named resource into ledger units,
// rounding up if roundUp and down otherwise.
func ToUnits(name string, q resource.Quantity, roundUp bool) (int64, error) {
	if q.Sign() < 0 {
		return 0, fmt.Errorf("%s: %s is negative", name, q.String())
	}
	s := scale(name)
	if q.Cmp(*resource.NewScaledQuantity(MaxAmount, s)) > 0 {
		return 0, fmt.Errorf("%s: %s is too large", name, q.String())
	}
	v := q.ScaledValue(s) // rounds up
	if !roundUp && resource.NewScaledQuantity(v, s).Cmp(q) > 0 {
		v--
	}
	return v, nil
}

// FromUnits is the quantity of v ledger units of the named resource.
func FromUnits(name string, v int64) resource.Quantity {
	if scale(name) == resource.Milli {
		return *resource.NewMilliQuantity(v, resource.DecimalSI)
	}
	format := resource.DecimalSI
	if bytes(name) {
		format = resource.BinarySI
	}
	return *resource.NewQuantity(v, format)
}

// IsCount says whether the named resource counts objects (pods,
// count/secrets...), not CPU or bytes.
func IsCount(name string) bool { return scale(name) != resource.Milli && !bytes(name) }

func bytes(name string) bool {
	return name == "memory" || strings.HasSuffix(name, ".memory") || strings.HasSuffix(name, "storage")
}

// AmountsOf converts a resource list, rounding as ToUnits does.
func AmountsOf(list corev1.ResourceList, roundUp bool) (Amounts, error) {
	a := make(Amounts, len(list))
	for name, q := range list {
		v, err := ToUnits(string(name), q, roundUp)
		if err != nil {
			return nil, err
		}
		a[string(name)] = v
	}
	return a, nil
}

// ResourceList is the inverse of AmountsOf, for a ResourceQuota's hard.
func (a Amounts) ResourceList() corev1.ResourceList {
	list := make(corev1.ResourceList, len(a))
	for name, v := range a {
		list[corev1.ResourceName(name)] = FromUnits(name, v)
	}
	return list
}
