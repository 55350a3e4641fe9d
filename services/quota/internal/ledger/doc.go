// Package ledger splits each tenant's quota budget into per-namespace
// ResourceQuota hard limits, and moves headroom between a tenant's
// namespaces, without ever overselling the budget.
//
// # Model
//
// A tenant has a Budget: a limit per resource, a guaranteed minimum and an
// initial share per namespace, and a namespace count limit. Each namespace
// has, per resource:
//
//   - intended: the hard limit the ledger last decided (its newest Write);
//   - observed: what the ResourceQuota watch last reported (spec.hard,
//     status.hard, status.used, and the write Seq the object carries);
//   - issued: the writes not yet known to be superseded in the cluster.
//
// Its counted hard is the most the cluster may enforce there now or later
// without another decision of the ledger: the maximum of intended, the
// observed spec and status, and every issued write newer than the observed
// one (a write already handed out may still land). A managed resource
// missing from the observed quota counts as unbounded.
//
// # Invariant
//
// For every tenant and resource, Σ over namespaces of counted ≤ budget.
// Every increase of an intended hard is checked against it, and nothing else
// raises counted, so the ledger never grants what the cluster may still be
// using elsewhere. The one exception is a budget lowered below what is
// already counted: then the namespaces are shrunk toward their usage (below
// it if need be: ResourceQuota evicts nothing, it only refuses new
// consumption) and the sum only falls until the cluster confirms it.
//
// # Two-phase moves
//
// When a namespace needs more than is free, a Move takes it from siblings
// with slack, never below a sibling's usage or guaranteed minimum: phase
// one lowers the donor's intended hard and records the move; phase two,
// once the donor's counted hard has fallen (the cluster confirmed the
// shrink), raises the recipient's. Both phases are separate durable
// records, so a crash between them resumes the move: headroom is lost for
// a moment, never granted twice.
//
// # Contract with the cluster writer
//
// Pending lists the writes the cluster lacks. The writer must store each
// write's Seq on the ResourceQuota (an annotation) and never apply a write
// older than the Seq the object carries (a precondition on resourceVersion),
// and the watch must report that Seq in Observe: that is how a late retry
// of an old, larger limit is told apart from the current one.
//
// Every decision is durable (Store.Save) before it returns or its writes
// become visible in Pending. Observations that decide nothing are kept in
// memory only: a crash that forgets them makes the ledger count more, not
// less, until the watch reports again. Operations on different tenants
// run in parallel; there is no global lock on the decision path.
package ledger
