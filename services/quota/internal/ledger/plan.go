package ledger

import (
	"cmp"
	"math/bits"
	"slices"
)

// room is how much n's intended hard of r may grow at once: the free
// headroom, plus what n's cluster may enforce above its intended hard
// (growing back into it counts nothing new). Open moves' headroom is not
// free; while the tenant is over its limit there is no room at all.
func (t *TenantRecord) room(n *NamespaceRecord, r int) int64 {
	free := t.Limit[r] - t.sum(r) - t.reserved(r)
	if free < 0 {
		return 0
	}
	return free + n.counted(r) - n.Intended[r]
}

// request plans amount more of r for n: at once from room, the rest by
// two-phase moves from siblings with slack.
func (t *TenantRecord) request(n *NamespaceRecord, r int, amount int64) Grant {
	g := Grant{Now: min(amount, t.room(n, r))}
	n.Intended[r] += g.Now
	amount -= g.Now
	// A namespace giving r away gets none by moves until its moves are
	// done: a namespace on both ends of moves could confirm its own.
	if amount > 0 && !t.hasMove(r, n.Name, "") {
		ds := t.donors(n, r)
		slack := make([]int64, len(ds))
		for i, d := range ds {
			slack[i] = d.slack
		}
		for i, a := range level(slack, amount) {
			if a == 0 {
				continue
			}
			ds[i].ns.Intended[r] -= a
			t.NextMove++
			t.Moves = append(t.Moves, Move{ID: t.NextMove, Resource: t.Resources[r], From: ds[i].ns.Name, To: n.Name, Amount: a})
			g.Moving += a
			amount -= a
		}
	}
	g.Short = amount
	return g
}

type donor struct {
	ns    *NamespaceRecord
	slack int64
}

// donors are n's siblings with slack in r above their usage and guaranteed
// minimum, most slack first; a sibling receiving r is not one.
func (t *TenantRecord) donors(n *NamespaceRecord, r int) []donor {
	var ds []donor
	for _, d := range t.Namespaces {
		if d == n || t.hasMove(r, "", d.Name) {
			continue
		}
		if s := d.Intended[r] - t.keep(d, r); s > 0 {
			ds = append(ds, donor{d, s})
		}
	}
	slices.SortFunc(ds, func(a, b donor) int { return cmp.Compare(b.slack, a.slack) })
	return ds
}

// keep is what a donor keeps of r: its usage, its guaranteed minimum and
// what it needs (see needs), or it would ask for its slack straight back.
func (t *TenantRecord) keep(d *NamespaceRecord, r int) int64 {
	return max(d.used(r), t.Min[r], t.needs(d, r))
}

// reserve is the headroom above its usage every namespace keeps of r: an
// eighth of its initial share. A namespace without headroom admits
// nothing, so its usage could never show that it needs more (a refused
// create leaves no trace unless a controller reports it), and it would
// stay full, or empty, for good.
func (t *TenantRecord) reserve(r int) int64 { return t.Initial[r] / 8 }

// needs is what n should hold of r for its known usage: the reserve above
// it and, when namespaces grow on their own, enough for usage to be the
// GrowTo share. Unknown usage needs nothing (and gives nothing away).
func (t *TenantRecord) needs(n *NamespaceRecord, r int) int64 {
	if n.Used == nil || n.Used[r] < 0 {
		return 0
	}
	used := n.Used[r]
	k := used + t.reserve(r)
	if t.growTo > 0 && used > 0 {
		k = max(k, (used*1000+t.growTo-1)/t.growTo)
	}
	return k
}

// hasMove reports an open move of r from `from` or to `to` ("" = any).
func (t *TenantRecord) hasMove(r int, from, to string) bool {
	for _, m := range t.Moves {
		if m.Resource == t.Resources[r] && (from == "" || m.From == from) && (to == "" || m.To == to) {
			return true
		}
	}
	return false
}

// settle runs phase two of every move whose donor's shrink the cluster
// has confirmed, oldest first, then tops namespaces below their guaranteed
// minimum up from free headroom.
func (t *TenantRecord) settle() {
	for i := 0; i < len(t.Moves); {
		m := t.Moves[i]
		r := t.index(m.Resource)
		to, from := t.namespace(m.To), t.namespace(m.From)
		if to == nil { // recipient removed: the donor's shrink frees it
			t.Moves = slices.Delete(t.Moves, i, i+1)
			continue
		}
		if from == nil || t.confirmed(i, from, r) {
			// What fits: all of it, unless the donor held more than its
			// new limit when the shrink landed; the rest follows as the
			// donor releases it.
			a := t.fitting(to, r, m.Amount)
			to.Intended[r] += a
			if a == m.Amount {
				t.Moves = slices.Delete(t.Moves, i, i+1)
				continue
			}
			t.Moves[i].Amount -= a
		}
		i++
	}
	for r := range t.Resources {
		for _, n := range t.Namespaces {
			if n.Intended[r] < t.Min[r] {
				n.Intended[r] += min(t.Min[r]-n.Intended[r], t.room(n, r))
			}
		}
	}
}

// confirmed reports whether the donor of move i has given its amount up
// in the cluster: its counted hard has fallen to its intended hard plus
// the amounts of its later moves, which are still on their way.
func (t *TenantRecord) confirmed(i int, from *NamespaceRecord, r int) bool {
	later := int64(0)
	for _, m := range t.Moves[i+1:] {
		if m.From == from.Name && m.Resource == t.Resources[r] {
			later += m.Amount
		}
	}
	return from.hardCounted(r) <= from.Intended[r]+later
}

// fitting is the most, up to a, that n's intended hard of r may grow by
// within the invariant: Σ counted ≤ limit.
func (t *TenantRecord) fitting(n *NamespaceRecord, r int, a int64) int64 {
	before := n.counted(r)
	ceiling := max(before, t.Limit[r]-(t.sum(r)-before)) // the most n may count
	return min(a, max(0, ceiling-n.Intended[r]))
}

// fitBudget shrinks intended hards of r until their sum is within the
// limit: first toward usage and guaranteed minimum, then toward usage, then
// proportionally below usage (ResourceQuota evicts nothing: it only refuses
// new consumption). Open moves of r are dropped; donors keep their shrink.
func (t *TenantRecord) fitBudget(r int) {
	var total int64
	for _, n := range t.Namespaces {
		total += n.Intended[r]
	}
	if total+t.reserved(r) <= t.Limit[r] {
		return
	}
	t.Moves = slices.DeleteFunc(t.Moves, func(m Move) bool { return m.Resource == t.Resources[r] })
	excess := total - t.Limit[r]
	floors := []func(n *NamespaceRecord) int64{
		func(n *NamespaceRecord) int64 { return max(n.used(r), t.Min[r]) },
		func(n *NamespaceRecord) int64 { return n.used(r) },
	}
	for _, floor := range floors {
		if excess <= 0 {
			return
		}
		slack := make([]int64, len(t.Namespaces))
		for i, n := range t.Namespaces {
			slack[i] = max(0, n.Intended[r]-floor(n))
		}
		for i, cut := range level(slack, excess) {
			t.Namespaces[i].Intended[r] -= cut
			excess -= cut
		}
	}
	if excess <= 0 {
		return
	}
	total = t.Limit[r] + excess
	for _, n := range t.Namespaces { // floor(hard × limit / total) sums to ≤ limit
		hi, lo := bits.Mul64(uint64(n.Intended[r]), uint64(t.Limit[r]))
		q, _ := bits.Div64(hi, lo, uint64(total))
		n.Intended[r] = int64(q)
	}
}

// level cuts up to amount from slack, evenly: it lowers the largest slacks
// to a common level (water-filling), so no namespace is drained while its
// siblings keep theirs. The cuts sum to min(amount, Σ slack).
func level(slack []int64, amount int64) []int64 {
	order := make([]int, len(slack))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(slack[b], slack[a]) })
	cuts := make([]int64, len(slack))
	var top int64 // Σ slack of order[:k]
	for k := 1; k <= len(order); k++ {
		top += slack[order[k-1]]
		next := int64(0)
		if k < len(order) {
			next = slack[order[k]]
		}
		if top-int64(k)*next < amount && k < len(order) {
			continue
		}
		// Lower order[:k] to level L with Σ (slack - L) ≥ amount, then give
		// back the rounding from the smallest of them.
		L := max(next, (top-amount)/int64(k))
		extra := top - int64(k)*L - amount
		for i := k - 1; i >= 0; i-- {
			cuts[order[i]] = slack[order[i]] - L
			if extra > 0 && cuts[order[i]] > 0 {
				cuts[order[i]]--
				extra--
			}
		}
		return cuts
	}
	return cuts
}
