package ledger

import (
	"fmt"
	"maps"
	"slices"

	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// Amounts are quantities per resource name ("requests.cpu", "pods") in
// ledger units: see ToUnits.
type Amounts map[string]int64

// MaxAmount bounds every budget and observation: with it, usage × 1000 and
// the sum of a tenant's namespaces cannot overflow an int64 (8 PiB of bytes,
// 9×10¹² cores in millicores).
const MaxAmount = int64(1) << 53

// unbounded is the counted hard of a resource the cluster does not limit
// in a namespace (a quota without it, or no quota at all).
const unbounded = int64(1) << 61

// Budget is what a tenant may use, from its plan and overrides.
type Budget struct {
	// Limits is the tenant-wide limit per resource; it names every
	// resource the ledger manages for the tenant. A managed resource can
	// not be dropped again (a quota without it would be unlimited).
	Limits Amounts
	// Min is each namespace's guaranteed share: rebalancing never takes a
	// namespace below it, and a namespace is added only if it can get it.
	Min Amounts
	// Initial is the share a new namespace asks for (at least Min).
	Initial Amounts
	// MaxNamespaces bounds the tenant's namespace count.
	MaxNamespaces int
}

// Observation is a namespace's ResourceQuota as the watch last saw it.
type Observation struct {
	// Seq is the write the object carries (see Write), 0 if none.
	Seq uint64
	// Spec and Status are spec.hard and status.hard. A managed resource
	// missing from Spec, or from a non-empty Status, is unbounded there; a
	// nil Spec means there is no quota at all. An empty Status (the quota
	// controller has not synced it: admission refuses everything) is
	// ignored.
	Spec, Status Amounts
	// Used is status.used. A resource missing here has unknown usage, and
	// the namespace gives none of it away.
	Used Amounts
}

// Write is a hard limit the cluster must be given. Seq orders a
// namespace's writes: store it on the object and never apply a write older
// than the object's, so that a late retry of an old, larger limit cannot
// undo a shrink that headroom was already moved out of.
type Write struct {
	Tenant, Namespace string
	Seq               uint64
	Hard              Amounts
}

// Grant is the outcome of a Request.
type Grant struct {
	// Now is granted at once, in the namespace's next Write.
	Now int64
	// Moving comes once donors' shrinks are confirmed (two-phase moves).
	Moving int64
	// Short could not be found: the tenant is at its limit.
	Short int64
}

// Move is an open two-phase move: Amount of Resource already taken from
// From's intended hard, to be added to To's once the cluster confirms it.
// Its json tags are part of TenantRecord's old encoding: keep them.
type Move struct {
	ID       uint64 `json:"id"`
	Resource string `json:"resource"`
	From     string `json:"from"`
	To       string `json:"to"`
	Amount   int64  `json:"amount"`
}

// TenantView is a tenant's ledger as the API shows it.
type TenantView struct {
	Budget     Budget
	Namespaces []NamespaceView
	Moves      []Move
	// OverLimit names the resources whose known usage exceeds the limit,
	// and "namespaces" if there are more than MaxNamespaces.
	OverLimit []string
	// Asleep: the tenant is hibernated (SetAsleep).
	Asleep bool
}

// NamespaceView is one namespace of a TenantView.
type NamespaceView struct {
	Name string
	// Intended is the ledger's decision; Counted is the most the cluster
	// may enforce (what the invariant sums); Used is the known usage.
	Intended, Counted, Used Amounts
	// Seq is the newest write, ObservedSeq the one the cluster showed.
	Seq, ObservedSeq uint64
}

// validate checks a budget against the resources already managed.
func (b Budget) validate(managed []string) error {
	if b.MaxNamespaces < 0 {
		return apierror.InvalidArgument("budget.max_namespaces", "must not be negative")
	}
	for _, r := range managed {
		if _, ok := b.Limits[r]; !ok {
			return apierror.InvalidArgument("budget.limits", fmt.Sprintf("%s is managed and cannot be removed", r))
		}
	}
	for _, f := range []struct {
		field string
		m     Amounts
	}{{"limits", b.Limits}, {"min", b.Min}, {"initial", b.Initial}} {
		field, m := f.field, f.m
		for _, r := range slices.Sorted(maps.Keys(m)) {
			v := m[r]
			switch {
			case r == "":
				return apierror.InvalidArgument("budget."+field, "empty resource name")
			case v < 0 || v > MaxAmount:
				return apierror.InvalidArgument("budget."+field+"["+r+"]", "must be between 0 and 2^53")
			case field != "limits" && b.Limits[r] < v:
				if _, ok := b.Limits[r]; !ok {
					return apierror.InvalidArgument("budget."+field+"["+r+"]", "resource has no limit")
				}
				return apierror.InvalidArgument("budget."+field+"["+r+"]", "above the tenant limit")
			}
		}
	}
	return nil
}
