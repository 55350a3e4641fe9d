package ledger_test

import (
	"fmt"
	"slices"

	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
)

// inf is what the checks count for a resource a quota does not limit.
var debugCeil = false

const inf = int64(1) << 61

func val(a ledger.Amounts, r string) int64 {
	if v, ok := a[r]; ok {
		return v
	}
	return inf
}

// truth is the most the cluster may enforce for r in namespace k, from
// the simulation alone: its quota's spec and status, and every write the
// writer holds or may still take that the quota would accept.
func (w *world) truth(k nsKey, r string, pending []ledger.Write) int64 {
	var v int64
	var seq uint64
	if q := w.c.quotas[k]; q != nil {
		seq, v = q.seq, val(q.spec, r)
		if len(q.status) > 0 {
			v = max(v, val(q.status, r))
		}
		// What it holds counts too: a limit lowered below it evicts nothing.
		v = max(v, q.used[r])
	}
	for _, wr := range slices.Concat(w.held, pending) {
		if wr.Tenant == k.tenant && wr.Namespace == k.ns && wr.Seq >= seq {
			v = max(v, val(wr.Hard, r))
		}
	}
	return v
}

// check verifies, after op:
//   - the invariant in the simulated cluster: Σ truth ≤ limit, truth being
//     the most a namespace may enforce or already holds, or, after a
//     budget was lowered below what the cluster held, never more than it
//     held since (the ceiling only falls until it meets the limit);
//   - the ledger never counts less than the cluster may enforce;
//   - Σ intended + open moves ≤ limit: what the ledger promises fits;
//   - rebalancing never shrinks a namespace below its known usage or its
//     guaranteed minimum, and a lowered budget goes below usage only if
//     usage alone exceeds it;
//   - Seqs never go back.
func (w *world) check(op string, before map[string]ledger.TenantView) {
	t := w.t
	t.Helper()
	after, pending := w.views(), w.l.Pending()
	setBudget := len(op) > 9 && op[:9] == "SetBudget"
	for tenant, v := range after {
		b := before[tenant]
		if w.ceil[tenant] == nil {
			w.ceil[tenant] = map[string]int64{}
		}
		for r, limit := range v.Budget.Limits {
			c, known := w.ceil[tenant][r]
			if old, had := b.Budget.Limits[r]; !known || !had {
				c = inf // a new resource: no quota limits it yet
			} else if limit > old {
				c = max(c, limit)
			}
			var sum, promised int64
			for _, n := range v.Namespaces {
				truth := w.truth(nsKey{tenant, n.Name}, r, pending)
				sum = min(sum+truth, inf)
				promised += n.Intended[r]
				if n.Counted[r] < truth {
					t.Errorf("%s: %s/%s %s: ledger counts %d, the cluster may enforce %d", op, tenant, n.Name, r, n.Counted[r], truth)
				}
			}
			for _, m := range v.Moves {
				if m.Resource == r {
					promised += m.Amount
				}
			}
			if sum > c {
				for _, n := range v.Namespaces {
					k := nsKey{tenant, n.Name}
					t.Logf("%s: truth %d counted %d intended %d quota %+v", n.Name, w.truth(k, r, pending), n.Counted[r], n.Intended[r], w.c.quotas[k])
				}
				t.Logf("held %v pending %v", w.held, pending)
				t.Errorf("%s: %s %s: the cluster may enforce %d, limit %d, ceiling %d", op, tenant, r, sum, limit, c)
			}
			if promised > limit {
				t.Errorf("%s: %s %s: %d promised of %d", op, tenant, r, promised, limit)
			}
			if debugCeil && tenant == "t0" && r == "limits.memory" && max(limit, min(c, sum)) != w.ceil[tenant][r] {
				t.Logf("%s: ceil %d -> %d (sum %d) ns %d", op, w.ceil[tenant][r], max(limit, min(c, sum)), sum, len(v.Namespaces))
			}
			w.ceil[tenant][r] = max(limit, min(c, sum))
		}
		w.checkFloors(op, setBudget, b, v)
	}
}

func (w *world) checkFloors(op string, setBudget bool, b, v ledger.TenantView) {
	t := w.t
	t.Helper()
	old := map[string]ledger.NamespaceView{}
	for _, n := range b.Namespaces {
		old[n.Name] = n
	}
	for r := range b.Budget.Limits {
		var usage int64 // Σ min(old intended, usage): what the namespaces must keep
		for _, n := range v.Namespaces {
			if o, ok := old[n.Name]; ok {
				usage += min(o.Intended[r], usedOr(n, r, o.Intended[r]))
			}
		}
		for _, n := range v.Namespaces {
			o, ok := old[n.Name]
			if !ok {
				continue
			}
			if n.Seq < o.Seq {
				t.Errorf("%s: %s Seq went back from %d to %d", op, n.Name, o.Seq, n.Seq)
			}
			if n.Intended[r] >= o.Intended[r] {
				continue
			}
			if !setBudget {
				if floor := max(usedOr(n, r, o.Intended[r]), v.Budget.Min[r]); n.Intended[r] < floor {
					t.Errorf("%s: %s %s shrunk from %d to %d, below usage or minimum %d", op, n.Name, r, o.Intended[r], n.Intended[r], floor)
				}
			} else if n.Intended[r] < min(o.Intended[r], usedOr(n, r, o.Intended[r])) && usage <= v.Budget.Limits[r] {
				t.Errorf("%s: %s %s shrunk below usage though usage %d fits %d", op, n.Name, r, usage, v.Budget.Limits[r])
			}
		}
	}
}

// usedOr is n's known usage of r, or unknown (what it had).
func usedOr(n ledger.NamespaceView, r string, unknown int64) int64 {
	if u, ok := n.Used[r]; ok {
		return u
	}
	return unknown
}

// quiesce lets the writer, the controller and the watch catch up, then
// checks that the cluster holds exactly the ledger's intended hards, all
// within budget, with every move done.
func (w *world) quiesce() {
	t := w.t
	t.Helper()
	w.st.fail = false
	w.held, w.queue = nil, map[nsKey][]ledger.Observation{}
	for round := 0; ; round++ {
		for _, wr := range w.l.Pending() {
			w.c.apply(wr)
		}
		for _, k := range w.c.keys() {
			before := w.views()
			w.c.sync(k)
			must(t, w.l.Observe(k.tenant, k.ns, w.c.observation(k)))
			w.check(fmt.Sprintf("quiesce: Observe(%v)", k), before)
		}
		// Quiet: nothing to write and every open move waits for its
		// donor to release what it holds above its new limit.
		if len(w.l.Pending()) == 0 && w.movesBlocked() {
			break
		}
		if round == 30 {
			t.Fatalf("not quiet after 30 rounds: pending %v", w.l.Pending())
		}
	}
	for tenant, v := range w.views() {
		for r, limit := range v.Budget.Limits {
			var sum, intended int64
			for _, n := range v.Namespaces {
				q := w.c.quotas[nsKey{tenant, n.Name}]
				if q == nil || q.spec[r] != n.Intended[r] || q.status[r] != n.Intended[r] || n.Counted[r] != max(n.Intended[r], q.used[r]) {
					t.Errorf("quiet: %s/%s %s: ledger %d (counted %d), cluster %+v", tenant, n.Name, r, n.Intended[r], n.Counted[r], q)
				}
				sum += n.Counted[r]
				intended += n.Intended[r]
			}
			// Above the limit only by what namespaces held when it was
			// lowered (the ceiling), never by what the ledger decided.
			if intended > limit || sum > max(limit, w.ceil[tenant][r]) {
				t.Errorf("quiet: %s %s: limits %d, held or limited %d, of %d (ceiling %d)", tenant, r, intended, sum, limit, w.ceil[tenant][r])
			}
		}
	}
}

// movesBlocked: every open move is waiting for room, its donor holding
// more than its new limit, so the tenant has nothing to grow it with.
func (w *world) movesBlocked() bool {
	for _, v := range w.views() {
		for _, m := range v.Moves {
			var sum int64
			for _, n := range v.Namespaces {
				sum += n.Counted[m.Resource]
			}
			if sum < v.Budget.Limits[m.Resource] {
				return false
			}
		}
	}
	return true
}
