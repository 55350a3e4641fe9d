package ledger

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// SetBudget creates the tenant or changes its budget. A new resource is
// split among existing namespaces up to their initial share; a lowered
// limit shrinks namespaces toward their usage and, if usage is above it,
// below (nothing is evicted; the tenant shows as over its limit).
func (l *Ledger) SetBudget(tenant string, b Budget) error {
	if tenant == "" {
		return apierror.InvalidArgument("tenant", "must not be empty")
	}
	_, err := l.update(tenant, true, func(t *TenantRecord) error {
		if err := b.validate(t.Resources); err != nil {
			return err
		}
		var added []int
		for _, name := range slices.Sorted(maps.Keys(b.Limits)) {
			if t.index(name) < 0 {
				t.addResource(name)
				added = append(added, len(t.Resources)-1)
			}
		}
		for r, name := range t.Resources {
			t.Limit[r], t.Min[r], t.Initial[r] = b.Limits[name], b.Min[name], max(b.Initial[name], b.Min[name])
		}
		t.MaxNamespaces = b.MaxNamespaces
		// Every quota lacks an added resource, so each namespace counts as
		// unbounded in it until its write lands: only the sum of intended
		// hards can be held to the limit here.
		for _, r := range added {
			left := t.Limit[r]
			for _, n := range t.Namespaces {
				n.Intended[r] = min(t.Initial[r], left)
				left -= n.Intended[r]
			}
		}
		for r := range t.Resources {
			t.fitBudget(r)
		}
		t.settle()
		return nil
	})
	return err
}

// AddNamespace admits a new namespace and returns its first write, to be
// created with the namespace before anything else can be created in it.
// It fails with a QuotaExceededError when the tenant is at its namespace
// count, or when a guaranteed minimum can be found neither in free
// headroom nor in siblings' slack. What is not free comes by moves.
func (l *Ledger) AddNamespace(tenant, ns string) (Write, error) {
	if ns == "" {
		return Write{}, apierror.InvalidArgument("namespace", "must not be empty")
	}
	rec, err := l.update(tenant, false, func(t *TenantRecord) error {
		if t.namespace(ns) != nil {
			return fmt.Errorf("namespace %q of tenant %q: %w", ns, tenant, apierror.ErrAlreadyExists)
		}
		if len(t.Namespaces) >= t.MaxNamespaces {
			return &apierror.QuotaExceededError{Subject: "tenant:" + tenant, Description: fmt.Sprintf("namespaces: %d of %d used", len(t.Namespaces), t.MaxNamespaces)}
		}
		n := &NamespaceRecord{Name: ns, Seq: t.SeqFloor, Intended: make([]int64, len(t.Resources))}
		i, _ := slices.BinarySearchFunc(t.Namespaces, ns, func(a *NamespaceRecord, name string) int { return strings.Compare(a.Name, name) })
		t.Namespaces = slices.Insert(t.Namespaces, i, n)
		for r, name := range t.Resources {
			if t.Min[r] == 0 {
				continue
			}
			avail := t.room(n, r)
			for _, d := range t.donors(n, r) {
				avail += d.slack
			}
			if avail < t.Min[r] {
				return &apierror.QuotaExceededError{Subject: "tenant:" + tenant, Description: fmt.Sprintf("%s: no headroom for a new namespace's guaranteed %d", name, t.Min[r])}
			}
		}
		for r := range t.Resources {
			t.request(n, r, t.Initial[r])
		}
		t.settle()
		return nil
	})
	if err != nil {
		return Write{}, err
	}
	n := rec.namespace(ns)
	return Write{Tenant: tenant, Namespace: ns, Seq: n.Seq, Hard: rec.amounts(n.Intended)}, nil
}

// RemoveNamespace returns a namespace's share to its tenant. Call it only
// once the namespace admits nothing new (it is terminating or gone): its
// quota stops mattering then, not when it is deleted.
func (l *Ledger) RemoveNamespace(tenant, ns string) error {
	_, err := l.update(tenant, false, func(t *TenantRecord) error {
		i := slices.IndexFunc(t.Namespaces, func(n *NamespaceRecord) bool { return n.Name == ns })
		if i < 0 {
			return fmt.Errorf("namespace %q of tenant %q: %w", ns, tenant, apierror.ErrNotFound)
		}
		t.SeqFloor = max(t.SeqFloor, t.Namespaces[i].Seq, t.Namespaces[i].ObsSeq)
		t.Namespaces = slices.Delete(t.Namespaces, i, i+1)
		t.settle() // its outgoing moves complete, its incoming ones are dropped
		t.Moves = slices.DeleteFunc(t.Moves, func(m Move) bool { return m.From == ns })
		return nil
	})
	return err
}

// Observe records a namespace's ResourceQuota as the watch reports it.
// It confirms writes (completing moves whose donor shrank) and, with
// Options.GrowAt, asks for more for a namespace near its limit. An
// observation older than the last one is ignored.
func (l *Ledger) Observe(tenant, ns string, o Observation) error {
	_, err := l.update(tenant, false, func(t *TenantRecord) error {
		n := t.namespace(ns)
		if n == nil {
			return fmt.Errorf("namespace %q of tenant %q: %w", ns, tenant, apierror.ErrNotFound)
		}
		if n.Seen && o.Seq < n.ObsSeq {
			return errUnchanged
		}
		n.Seen, n.ObsSeq = true, o.Seq
		// A cluster ahead of the ledger (a restored backup): never issue a
		// Seq the writer would refuse.
		n.Seq = max(n.Seq, o.Seq)
		n.Spec, n.Status, n.Used = nil, nil, t.vector(o.Used, -1, MaxAmount)
		if o.Spec != nil {
			n.Spec = t.vector(o.Spec, -1, -1)
		}
		if len(o.Status) > 0 {
			n.Status = t.vector(o.Status, -1, -1)
		}
		n.Issued = slices.DeleteFunc(n.Issued, func(w IssuedWrite) bool { return w.Seq <= o.Seq })
		if t.Asleep {
			t.doze(n)
		} else if l.opts.GrowAt > 0 {
			for r := range t.Resources {
				t.grow(n, r, l.opts)
			}
		}
		t.settle()
		return nil
	})
	return err
}

// SetAsleep records whether the tenant is hibernated (its workloads at
// zero). Falling asleep gives its headroom back to its budget: each
// namespace shrinks to what it uses plus its reserve, and keeps shrinking
// as its usage falls (doze); open moves are dropped (a donor's shrink
// stands and the recipient never gets it: headroom lost for a moment,
// never granted twice); nothing grows on its own while it sleeps. Waking
// grows every namespace back to its initial share, from free headroom
// first, then from siblings' slack.
func (l *Ledger) SetAsleep(tenant string, asleep bool) error {
	_, err := l.update(tenant, false, func(t *TenantRecord) error {
		if t.Asleep == asleep {
			return errUnchanged
		}
		t.Asleep = asleep
		if asleep {
			t.Moves = nil
			for _, n := range t.Namespaces {
				t.doze(n)
			}
		} else {
			for _, n := range t.Namespaces {
				for r := range t.Resources {
					if more := t.Initial[r] - t.promised(n, r); more > 0 {
						t.request(n, r, more)
					}
				}
			}
		}
		t.settle()
		return nil
	})
	return err
}

// doze shrinks a sleeping tenant's namespace to its usage and reserve
// (never below its guaranteed minimum), so that small changes still fit
// while the rest of its share is free; unknown usage shrinks nothing.
func (t *TenantRecord) doze(n *NamespaceRecord) {
	for r := range t.Resources {
		if n.Used != nil && n.Used[r] >= 0 {
			n.Intended[r] = min(n.Intended[r], max(n.Used[r]+t.reserve(r), t.Min[r]))
		}
	}
}

// grow asks for more of r for n when its usage nears its share (GrowAt),
// or its headroom falls below half its reserve, up to what it needs.
func (t *TenantRecord) grow(n *NamespaceRecord, r int, o Options) {
	used, share := n.Used[r], t.promised(n, r)
	if used < 0 || (used*1000 < share*o.GrowAt && share-used >= t.reserve(r)/2) {
		return
	}
	if want := min(t.needs(n, r), t.Limit[r]); want > share {
		t.request(n, r, want-share)
	}
}

// promised is n's intended hard of r plus what open moves bring it.
func (t *TenantRecord) promised(n *NamespaceRecord, r int) int64 {
	share := n.Intended[r]
	for _, m := range t.Moves {
		if m.To == n.Name && m.Resource == t.Resources[r] {
			share += m.Amount
		}
	}
	return share
}

// Request asks for amount more of a resource for a namespace than it has
// and is promised (a create was refused for quota, or usage nears the
// limit). What is free is granted at once, the rest moves from siblings.
func (l *Ledger) Request(tenant, ns, resource string, amount int64) (Grant, error) {
	if amount <= 0 || amount > MaxAmount {
		return Grant{}, apierror.InvalidArgument("amount", "must be between 1 and 2^53")
	}
	return l.ask(tenant, ns, resource, func(*TenantRecord, *NamespaceRecord, int) int64 { return amount })
}

// Ensure asks for enough of a resource for a namespace to hold total: a
// create was refused for quota, and total is what it used plus what it
// asked for. What the namespace already has or is promised counts, so
// asking again for the same refusal asks for nothing more.
func (l *Ledger) Ensure(tenant, ns, resource string, total int64) (Grant, error) {
	if total < 0 || total > MaxAmount {
		return Grant{}, apierror.InvalidArgument("total", "must be between 0 and 2^53")
	}
	return l.ask(tenant, ns, resource, func(t *TenantRecord, n *NamespaceRecord, r int) int64 {
		return min(total, t.Limit[r]) - t.promised(n, r)
	})
}

// ask requests for a namespace as much more of a resource as how says,
// if that is more than nothing.
func (l *Ledger) ask(tenant, ns, resource string, how func(t *TenantRecord, n *NamespaceRecord, r int) int64) (Grant, error) {
	var g Grant
	start := time.Now()
	_, err := l.update(tenant, false, func(t *TenantRecord) error {
		n, r := t.namespace(ns), t.index(resource)
		if n == nil {
			return fmt.Errorf("namespace %q of tenant %q: %w", ns, tenant, apierror.ErrNotFound)
		}
		if r < 0 {
			return apierror.InvalidArgument("resource", fmt.Sprintf("%q is not in the tenant's budget", resource))
		}
		amount := how(t, n, r)
		if amount <= 0 {
			return errUnchanged
		}
		g = t.request(n, r, amount)
		t.settle()
		return nil
	})
	if err == nil && l.opts.OnAsk != nil && g != (Grant{}) {
		l.opts.OnAsk(g, time.Since(start))
	}
	return g, err
}

// vector turns amounts into a vector of t's resources: missing resources
// get `missing`, values above MaxAmount get `over`.
func (t *TenantRecord) vector(a Amounts, missing, over int64) []int64 {
	v := make([]int64, len(t.Resources))
	for r, name := range t.Resources {
		x, ok := a[name]
		switch {
		case !ok || x < 0:
			v[r] = missing
		case x > MaxAmount:
			v[r] = over
		default:
			v[r] = x
		}
	}
	return v
}

func (t *TenantRecord) amounts(v []int64) Amounts {
	a := make(Amounts, len(v))
	for r, x := range v {
		if x >= 0 {
			a[t.Resources[r]] = x
		}
	}
	return a
}

func (t *TenantRecord) view() TenantView {
	v := TenantView{
		Budget: Budget{Limits: t.amounts(t.Limit), Min: t.amounts(t.Min), Initial: t.amounts(t.Initial), MaxNamespaces: t.MaxNamespaces},
		Asleep: t.Asleep,
	}
	if len(t.Moves) > 0 {
		v.Moves = slices.Clone(t.Moves)
	}
	for r, name := range t.Resources {
		var used int64
		for _, n := range t.Namespaces {
			if n.Used != nil && n.Used[r] > 0 {
				used += n.Used[r]
			}
		}
		if used > t.Limit[r] {
			v.OverLimit = append(v.OverLimit, name)
		}
	}
	if len(t.Namespaces) > t.MaxNamespaces {
		v.OverLimit = append(v.OverLimit, "namespaces")
	}
	for _, n := range t.Namespaces {
		nv := NamespaceView{Name: n.Name, Intended: t.amounts(n.Intended), Counted: Amounts{}, Seq: n.Seq, ObservedSeq: n.ObsSeq}
		for r, name := range t.Resources {
			nv.Counted[name] = n.counted(r)
		}
		if n.Used != nil {
			nv.Used = t.amounts(n.Used)
		}
		v.Namespaces = append(v.Namespaces, nv)
	}
	return v
}
