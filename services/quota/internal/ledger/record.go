package ledger

import (
	"slices"
	"strings"
)

// TenantRecord is a tenant's whole ledger, stored as one value so that
// every decision is one atomic, durable write. Vectors are indexed like
// Resources (in the order resources were first budgeted, so indices never
// move). The store keeps it as a protobuf; the json tags are the encoding
// of files at schema version 1, which the store's migration still reads:
// do not change them.
type TenantRecord struct {
	Name          string             `json:"name"`
	Resources     []string           `json:"resources"`
	Limit         []int64            `json:"limit"`
	Min           []int64            `json:"min"`
	Initial       []int64            `json:"initial"`
	MaxNamespaces int                `json:"maxNamespaces"`
	Namespaces    []*NamespaceRecord `json:"namespaces"`      // by name
	Moves         []Move             `json:"moves,omitempty"` // oldest first
	NextMove      uint64             `json:"nextMove"`
	// SeqFloor is the highest Seq a removed namespace had: one added again
	// under its name starts above it, so that a late event of the old
	// quota never looks newer than the new one's writes.
	SeqFloor uint64 `json:"seqFloor,omitempty"`
	// Asleep: the tenant is hibernated (SetAsleep).
	Asleep bool `json:"asleep,omitempty"`

	growTo int64 // Options.GrowTo if namespaces grow on their own, for keep
}

// NamespaceRecord is one namespace of a TenantRecord.
type NamespaceRecord struct {
	Name string `json:"name"`
	// Seq numbers the write of Intended; Issued are the writes newer than
	// the one observed, oldest first, Intended's last.
	Seq      uint64        `json:"seq"`
	Intended []int64       `json:"intended"`
	Issued   []IssuedWrite `json:"issued,omitempty"`
	// Seen: the watch has reported the quota. Spec and Status hold -1 for
	// a resource missing there (unbounded); Status is nil while empty,
	// Spec nil when there is no quota. Used holds -1 where unknown.
	Seen   bool    `json:"seen"`
	ObsSeq uint64  `json:"obsSeq"`
	Spec   []int64 `json:"spec"`
	Status []int64 `json:"status"`
	Used   []int64 `json:"used"`
}

// IssuedWrite is a write handed out that the cluster may still apply.
type IssuedWrite struct {
	Seq  uint64  `json:"seq"`
	Hard []int64 `json:"hard"`
}

// maxIssued bounds Issued: older entries merge (element-wise maximum,
// newest Seq), which only counts more, for longer.
const maxIssued = 8

func (t *TenantRecord) clone() *TenantRecord {
	c := *t
	c.Resources = slices.Clone(t.Resources)
	c.Limit, c.Min, c.Initial = slices.Clone(t.Limit), slices.Clone(t.Min), slices.Clone(t.Initial)
	c.Moves = slices.Clone(t.Moves)
	c.Namespaces = make([]*NamespaceRecord, len(t.Namespaces))
	for i, ns := range t.Namespaces {
		c.Namespaces[i] = ns.clone()
	}
	return &c
}

func (n *NamespaceRecord) clone() *NamespaceRecord {
	c := *n
	c.Intended, c.Spec, c.Status, c.Used = slices.Clone(n.Intended), slices.Clone(n.Spec), slices.Clone(n.Status), slices.Clone(n.Used)
	c.Issued = slices.Clone(n.Issued)
	for i := range c.Issued {
		c.Issued[i].Hard = slices.Clone(c.Issued[i].Hard)
	}
	return &c
}

func (t *TenantRecord) index(resource string) int { return slices.Index(t.Resources, resource) }

func (t *TenantRecord) namespace(name string) *NamespaceRecord {
	i, ok := slices.BinarySearchFunc(t.Namespaces, name, func(n *NamespaceRecord, name string) int {
		return strings.Compare(n.Name, name)
	})
	if !ok {
		return nil
	}
	return t.Namespaces[i]
}

// counted is the most n may hold of r now or later without another
// decision: what the invariant sums. That is the most the cluster may
// enforce there (hardCounted), or its usage if that is more: a limit
// lowered below what the namespace already holds evicts nothing, so what
// it holds still counts until it is released.
func (n *NamespaceRecord) counted(r int) int64 {
	c := n.hardCounted(r)
	if n.Seen && n.Used != nil {
		c = max(c, n.Used[r]) // -1, unknown, changes nothing
	}
	return c
}

// hardCounted is the most the cluster may enforce for r in n now or
// later without another decision.
func (n *NamespaceRecord) hardCounted(r int) int64 {
	c := n.Intended[r]
	for _, w := range n.Issued {
		c = max(c, w.Hard[r])
	}
	if n.Seen {
		if n.Spec == nil || n.Spec[r] < 0 || (n.Status != nil && n.Status[r] < 0) {
			return unbounded
		}
		c = max(c, n.Spec[r])
		if n.Status != nil {
			c = max(c, n.Status[r])
		}
	}
	return c
}

// used is n's known usage of r, or its intended hard when unknown (so
// that nothing is taken from it).
func (n *NamespaceRecord) used(r int) int64 {
	if n.Used == nil || n.Used[r] < 0 {
		return n.Intended[r]
	}
	return n.Used[r]
}

// pending reports whether the cluster lacks n's newest write.
func (n *NamespaceRecord) pending() bool {
	return !n.Seen || n.ObsSeq < n.Seq || !slices.Equal(n.Spec, n.Intended)
}

// sum is Σ counted over the tenant's namespaces, saturating at unbounded.
func (t *TenantRecord) sum(r int) int64 {
	var s int64
	for _, n := range t.Namespaces {
		s = min(s+n.counted(r), unbounded) // both ≤ 2^61: no overflow
	}
	return s
}

// reserved is the headroom promised to recipients of open moves of r.
func (t *TenantRecord) reserved(r int) int64 {
	var s int64
	for _, m := range t.Moves {
		if m.Resource == t.Resources[r] {
			s += m.Amount
		}
	}
	return s
}

// issue gives every namespace whose intended hard changed since prev a new
// write: a new Seq, remembered in Issued until the cluster shows it.
func (t *TenantRecord) issue(prev *TenantRecord) {
	for _, n := range t.Namespaces {
		var old *NamespaceRecord
		if prev != nil {
			old = prev.namespace(n.Name)
		}
		if old != nil && slices.Equal(old.Intended, n.Intended) {
			continue
		}
		n.Seq++
		n.Issued = append(n.Issued, IssuedWrite{Seq: n.Seq, Hard: slices.Clone(n.Intended)})
		if len(n.Issued) > maxIssued {
			a, b := n.Issued[0], n.Issued[1]
			merged := IssuedWrite{Seq: b.Seq, Hard: make([]int64, len(a.Hard))}
			for i := range a.Hard {
				merged.Hard[i] = max(a.Hard[i], b.Hard[i])
			}
			n.Issued = append([]IssuedWrite{merged}, n.Issued[2:]...)
		}
	}
}

// addResource starts managing a resource: every vector gets a slot, and
// every namespace's quota, which lacks it so far, counts as unbounded.
func (t *TenantRecord) addResource(name string) {
	t.Resources = append(t.Resources, name)
	t.Limit, t.Min, t.Initial = append(t.Limit, 0), append(t.Min, 0), append(t.Initial, 0)
	for _, n := range t.Namespaces {
		n.Intended = append(n.Intended, 0)
		for i := range n.Issued { // written without it: unlimited if applied
			n.Issued[i].Hard = append(n.Issued[i].Hard, unbounded)
		}
		if n.Spec != nil {
			n.Spec = append(n.Spec, -1)
		}
		if n.Status != nil {
			n.Status = append(n.Status, -1)
		}
		if n.Used != nil {
			n.Used = append(n.Used, -1)
		}
	}
}

// sameDecisions reports whether a and b differ in observations only: the
// same budget, namespaces, writes and moves.
func sameDecisions(a, b *TenantRecord) bool {
	if a.MaxNamespaces != b.MaxNamespaces || a.Asleep != b.Asleep || a.NextMove != b.NextMove || a.SeqFloor != b.SeqFloor || len(a.Namespaces) != len(b.Namespaces) ||
		!slices.Equal(a.Resources, b.Resources) || !slices.Equal(a.Limit, b.Limit) || !slices.Equal(a.Min, b.Min) ||
		!slices.Equal(a.Initial, b.Initial) || !slices.Equal(a.Moves, b.Moves) {
		return false
	}
	for i, n := range a.Namespaces {
		m := b.Namespaces[i]
		if n.Name != m.Name || n.Seq != m.Seq || !slices.Equal(n.Intended, m.Intended) {
			return false
		}
	}
	return true
}
