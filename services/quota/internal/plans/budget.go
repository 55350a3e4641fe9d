package plans

import (
	"errors"
	"fmt"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
)

// Budget is the ledger budget of a tenant on plan p with overrides o (nil
// for none). Limits round down and shares up, so a tenant never gets more
// than its plan says and a namespace never less than its minimum. Every
// namespace's minimum includes LandlordFloor, capped at the limit: a plan
// lowered below the floor still yields a budget (the ledger then admits
// fewer namespaces) rather than an error that would strand its tenants.
func Budget(p *quotav1.Plan, o *quotav1.Overrides) (ledger.Budget, error) {
	var v violations
	for _, r := range sorted(o.GetBudget()) {
		// An override can only change a limit the plan has: a new
		// resource would come without minimum, initial or validation.
		if f := key("overrides.budget", r); v.resourceName(f, r) {
			if _, ok := p.GetBudget()[r]; !ok {
				v.add(f, "not in the plan's budget")
			}
		}
	}
	n, nField := p.GetMaxNamespaces(), "plan.max_namespaces"
	if o != nil && o.MaxNamespaces != nil {
		n, nField = o.GetMaxNamespaces(), "overrides.max_namespaces"
	}
	if n < 1 || n > maxNamespaces {
		v.add(nField, fmt.Sprintf("must be between 1 and %d", maxNamespaces))
		n = 1 // keeps the arithmetic below safe; the error is returned
	}
	b := ledger.Budget{Limits: ledger.Amounts{}, Min: ledger.Amounts{}, Initial: ledger.Amounts{}, MaxNamespaces: int(n)}
	for _, r := range sorted(p.GetBudget()) {
		limit := v.units(key("plan.budget", r), r, p.GetBudget()[r], false)
		if s, ok := o.GetBudget()[r]; ok {
			limit = v.units(key("overrides.budget", r), r, s, false)
		}
		minimum := LandlordFloor[r]
		if s, ok := p.GetNamespaceMinimum()[r]; ok {
			minimum = max(minimum, v.units(key("plan.namespace_minimum", r), r, s, true))
		}
		minimum = min(minimum, limit)
		initial := limit / int64(n)
		if s, ok := p.GetNamespaceInitial()[r]; ok {
			initial = v.units(key("plan.namespace_initial", r), r, s, true)
		}
		b.Limits[r], b.Min[r], b.Initial[r] = limit, minimum, min(max(initial, minimum), limit)
	}
	if err := v.err(); err != nil {
		return ledger.Budget{}, err
	}
	return b, nil
}

// units converts an amount as ToUnits does, recording a violation (and
// returning 0) if it is not one.
func (v *violations) units(field, name, s string, roundUp bool) int64 {
	q, ok := v.quantity(field, name, s)
	if !ok {
		return 0
	}
	u, _ := ledger.ToUnits(name, q, roundUp) // quantity checked it fits
	return u
}

// ValidateOverrides checks a tenant's overrides against its plan: the
// amounts, that they only change limits the plan has, the namespace count
// and rate, and that the result still leaves every namespace room for
// Landlord's own objects.
func ValidateOverrides(o *quotav1.Overrides, plan *quotav1.Plan) error {
	b, err := Budget(plan, o)
	var v violations
	var invalid *apierror.InvalidArgumentError
	switch {
	case errors.As(err, &invalid):
		v = invalid.Violations
	case err != nil:
		return err
	default:
		for _, r := range sorted(LandlordFloor) {
			if _, ok := b.Limits[r]; !ok {
				continue // a plan without it fails Validate
			}
			field := "overrides.max_namespaces"
			if _, ok := o.GetBudget()[r]; ok {
				field = key("overrides.budget", r)
			}
			v.floor(field, r, b.Limits[r], b.MaxNamespaces)
		}
	}
	v.rateLimit("overrides.rate_limit", o.GetRateLimit())
	return v.err()
}
