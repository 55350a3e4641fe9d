package ledger_test

import (
	"encoding/binary"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
	"github.com/landlord-dev/landlord/services/quota/internal/ledger/store"
)

var (
	randomSeeds = flag.Int("ledger.seeds", 40, "TestRandomized: how many seeds")
	firstSeed   = flag.Int("ledger.seed", 0, "TestRandomized: the first seed")
	randomSteps = flag.Int("ledger.steps", 300, "TestRandomized: steps per seed")
)

// TestRandomized drives the ledger with random operations against a
// simulated cluster (late, lost and reordered writes; late, lost
// observations; usage up to what admission allows), crashes (the bbolt
// file closed and reopened, in-memory state dropped) and failed saves,
// and checks the invariants after every step (see world.check).
func TestRandomized(t *testing.T) {
	seeds, steps := *randomSeeds, *randomSteps
	if testing.Short() {
		seeds = min(seeds, 8)
	}
	var total stats
	defer func() { t.Logf("%d seeds × %d steps: %+v", seeds, steps, total) }()
	for seed := *firstSeed; seed < *firstSeed+seeds; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			w := newWorld(t, seed%2 == 0)
			defer func() { total.add(w.stats) }()
			src := rand.New(rand.NewPCG(uint64(seed), 11))
			for step := range steps {
				w.step(src.IntN)
				if t.Failed() {
					t.Fatalf("seed %d failed at step %d; ops: %v", seed, step, w.log[max(0, len(w.log)-12):])
				}
			}
			w.quiesce()
		})
	}
}

// FuzzLedger is TestRandomized driven by the fuzzer's bytes; its seed
// corpus runs as a normal test.
func FuzzLedger(f *testing.F) {
	for seed := range uint64(6) {
		b := make([]byte, 0, 2400)
		r := rand.New(rand.NewPCG(seed, 7))
		for range 300 {
			b = binary.LittleEndian.AppendUint64(b, r.Uint64())
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		w := newWorld(t, len(data)%2 == 0)
		src := &byteSource{data: data}
		for step := 0; step < 400 && src.left() >= 8; step++ {
			w.step(src.intn)
			if t.Failed() {
				t.Fatalf("failed at step %d; ops: %v", step, w.log[max(0, len(w.log)-12):])
			}
		}
		w.quiesce()
	})
}

type byteSource struct {
	data []byte
	i    int
}

func (s *byteSource) left() int { return len(s.data) - s.i }

func (s *byteSource) intn(n int) int {
	if s.left() < 2 {
		return 0
	}
	v := binary.LittleEndian.Uint16(s.data[s.i:])
	s.i += 2
	return int(v) % n
}

var (
	tenants    = []string{"t0", "t1"}
	namespaces = []string{"n0", "n1", "n2", "n3"}
	resources  = []string{cpu, pods, "limits.memory"}
)

// world is the ledger, its store, the cluster and the writer in between.
type world struct {
	t     *testing.T
	path  string
	bolt  *store.Bolt
	st    *faultyStore
	opts  ledger.Options
	l     *ledger.Ledger
	c     *cluster
	held  []ledger.Write                 // taken by the writer, not applied yet
	queue map[nsKey][]ledger.Observation // watch events not delivered yet
	ceil  map[string]map[string]int64    // tenant, resource: most the cluster may hold
	log   []string
	stats stats
}

// stats say what a run went through, to show the test explores it.
type stats struct {
	Moves, MovesClosed, OverLimit, Refused, FailedSaves, Crashes, CrashesMidMove, StaleWritesRefused int
}

func (s *stats) add(o stats) {
	s.Moves += o.Moves
	s.MovesClosed += o.MovesClosed
	s.OverLimit += o.OverLimit
	s.Refused += o.Refused
	s.FailedSaves += o.FailedSaves
	s.Crashes += o.Crashes
	s.CrashesMidMove += o.CrashesMidMove
	s.StaleWritesRefused += o.StaleWritesRefused
}

func newWorld(t *testing.T, grow bool) *world {
	w := &world{t: t, path: filepath.Join(t.TempDir(), "ledger.db"), c: newCluster(),
		queue: map[nsKey][]ledger.Observation{}, ceil: map[string]map[string]int64{}}
	if grow {
		w.opts = ledger.DefaultOptions()
	}
	w.open()
	t.Cleanup(func() { _ = w.bolt.Close() })
	// Start from tenants with namespaces; operations change them later.
	b := ledger.Budget{Limits: ledger.Amounts{}, Min: ledger.Amounts{}, Initial: ledger.Amounts{}, MaxNamespaces: 3}
	for _, r := range resources[:2] {
		b.Limits[r], b.Min[r], b.Initial[r] = 4000, 100, 1000
	}
	for _, tenant := range tenants {
		must(t, w.l.SetBudget(tenant, b))
		for _, ns := range namespaces[:2] {
			_, err := w.l.AddNamespace(tenant, ns)
			must(t, err)
		}
	}
	return w
}

func (w *world) open() {
	var err error
	w.bolt, err = store.Open(w.path, store.Options{NoSync: true})
	must(w.t, err)
	w.st = &faultyStore{Store: w.bolt}
	w.l = mustOpen(w.t, w.st, w.opts)
}

func pick[T any](intn func(int) int, xs []T) T { return xs[intn(len(xs))] }

// step runs one random operation and checks the invariants.
func (w *world) step(intn func(int) int) {
	before := w.views()
	tenant, ns := pick(intn, tenants), pick(intn, namespaces)
	if v := before[tenant]; len(v.Namespaces) > 0 && intn(4) > 0 {
		ns = pick(intn, v.Namespaces).Name // mostly one that exists
	}
	k := nsKey{tenant, ns}
	pendingBefore := w.l.Pending()
	w.st.fail = intn(20) == 0 // a save fails now and then
	var op string
	var err error
	switch x := intn(100); {
	case x < 4:
		b := randomBudget(intn, before[tenant])
		op = fmt.Sprintf("SetBudget(%s, %v)", tenant, b)
		err = w.l.SetBudget(tenant, b)
	case x < 14:
		ns = pick(intn, namespaces) // not biased toward existing ones
		op = fmt.Sprintf("AddNamespace(%s, %s)", tenant, ns)
		_, err = w.l.AddNamespace(tenant, ns)
	case x < 15:
		op = fmt.Sprintf("RemoveNamespace(%s, %s)", tenant, ns)
		if err = w.l.RemoveNamespace(tenant, ns); err == nil {
			w.forget(k)
		}
	case x < 30:
		r := pick(intn, resources)
		amount := 1 + int64(intn(int(max(100, before[tenant].Budget.Limits[r]/2))))
		op = fmt.Sprintf("Request(%s, %s, %s, %d)", tenant, ns, r, amount)
		_, err = w.l.Request(tenant, ns, r, amount)
	case x < 32:
		asleep := intn(2) == 0
		op = fmt.Sprintf("SetAsleep(%s, %v)", tenant, asleep)
		err = w.l.SetAsleep(tenant, asleep)
	case x < 42:
		op = "writer takes Pending"
		w.held = append(w.held, w.l.Pending()...)
	case x < 57 && len(w.held) > 0:
		i := intn(len(w.held))
		op = fmt.Sprintf("writer applies %+v", w.held[i])
		if !w.c.apply(w.held[i]) {
			w.stats.StaleWritesRefused++
		}
		w.held = slices.Delete(w.held, i, i+1)
	case x < 59 && len(w.held) > 0:
		op = "writer loses a write"
		w.held = slices.Delete(w.held, 0, 1)
	case x < 67 && w.c.quotas[k] != nil:
		op = fmt.Sprintf("controller syncs %v", k)
		w.c.sync(k)
	case x < 75 && w.c.quotas[k] != nil:
		q := w.c.quotas[k]
		op = fmt.Sprintf("usage of %v changes", k)
		for _, r := range resources { // grows only within status.hard, as admission allows
			if top := max(q.used[r], q.status[r]); top > 0 && intn(2) == 0 {
				x := int64(intn(101)) // mostly low: siblings keep slack
				q.used[r] = min(top, 1<<40) * x * x / 10000
			}
		}
	case x < 83 && w.c.quotas[k] != nil:
		op = fmt.Sprintf("watch event of %v queued", k)
		w.queue[k] = append(w.queue[k], w.c.observation(k))
	case x < 89 && w.c.quotas[k] != nil:
		w.c.sync(k)
		o := w.c.observation(k)
		delete(w.queue, k) // a watch delivers in order: older events are superseded
		op = fmt.Sprintf("controller syncs, Observe(%v, %+v)", k, o)
		err = w.l.Observe(tenant, ns, o)
	case x < 95 && len(w.queue[k]) > 0:
		o := w.queue[k][0]
		w.queue[k] = w.queue[k][1:]
		op = fmt.Sprintf("Observe(%v, %+v)", k, o)
		err = w.l.Observe(tenant, ns, o)
	case x < 97:
		op = "watch events lost"
		delete(w.queue, k)
	case x < 99:
		op = "crash"
		w.stats.Crashes++
		for _, v := range before {
			if len(v.Moves) > 0 {
				w.stats.CrashesMidMove++
				break
			}
		}
		w.st.fail = false
		w.crash()
	default:
		op = "nothing"
	}
	w.log = append(w.log, op)
	if err != nil { // refused or failed to save: nothing changed
		if w.st.fail {
			w.stats.FailedSaves++
		} else {
			w.stats.Refused++
		}
		w.sameAsBefore(op, before, pendingBefore)
		w.st.fail = false
		return
	}
	w.st.fail = false
	w.check(op, before)
	for tenant, v := range w.views() {
		for _, m := range v.Moves {
			if !slices.ContainsFunc(before[tenant].Moves, func(o ledger.Move) bool { return o.ID == m.ID }) {
				w.stats.Moves++
			}
		}
		for _, m := range before[tenant].Moves {
			if !slices.ContainsFunc(v.Moves, func(o ledger.Move) bool { return o.ID == m.ID }) {
				w.stats.MovesClosed++
			}
		}
		if len(v.OverLimit) > 0 {
			w.stats.OverLimit++
		}
	}
}

func randomBudget(intn func(int) int, v ledger.TenantView) ledger.Budget {
	b := ledger.Budget{Limits: ledger.Amounts{}, Min: ledger.Amounts{}, Initial: ledger.Amounts{}, MaxNamespaces: 1 + intn(4)}
	for i, r := range resources {
		if _, managed := v.Budget.Limits[r]; !managed && i > 0 && intn(3) > 0 {
			continue // resources join budgets one by one
		}
		// Initial shares of a quarter to half the limit: 2 to 4
		// namespaces fill it, and growth must come by moves.
		b.Limits[r] = int64(1+intn(80)) * 100
		b.Min[r] = int64(intn(4)) * b.Limits[r] / 16
		b.Initial[r] = max(b.Min[r], b.Limits[r]*int64(4+intn(5))/16)
	}
	return b
}

// forget is a removed namespace disappearing from the cluster, with what
// the writer held for it.
func (w *world) forget(k nsKey) {
	w.c.remove(k.tenant, k.ns)
	delete(w.queue, k)
	w.held = slices.DeleteFunc(w.held, func(wr ledger.Write) bool { return wr.Tenant == k.tenant && wr.Namespace == k.ns })
}

// crash drops the ledger's memory and reopens its file. Decisions must all
// be back; observations may be older (they are not fsynced), which may
// only count more and leave more writes pending.
func (w *world) crash() {
	before, pending := w.views(), w.l.Pending()
	must(w.t, w.bolt.Close())
	w.open()
	after := w.views()
	if !maps.EqualFunc(before, after, sameDecisions) {
		w.t.Errorf("reopened ledger lost decisions:\n%+v\n%+v", before, after)
	}
	for tenant, v := range after {
		for i, n := range v.Namespaces {
			for r, c := range n.Counted {
				if old := before[tenant].Namespaces[i].Counted[r]; c < old {
					w.t.Errorf("reopened ledger counts %d of %s in %s/%s, %d before", c, r, tenant, n.Name, old)
				}
			}
		}
	}
	again := w.l.Pending()
	for _, p := range pending {
		if !slices.ContainsFunc(again, func(q ledger.Write) bool { return equalWrites(p, q) }) {
			w.t.Errorf("reopened ledger lost pending write %+v", p)
		}
	}
}

func (w *world) sameAsBefore(op string, before map[string]ledger.TenantView, pending []ledger.Write) {
	if after := w.views(); !maps.EqualFunc(before, after, equalViews) {
		w.t.Errorf("%s failed to save but changed the ledger:\n%+v\n%+v", op, before, after)
	}
	if after := w.l.Pending(); !slices.EqualFunc(pending, after, equalWrites) {
		w.t.Errorf("%s failed to save but changed pending writes", op)
	}
}

func (w *world) views() map[string]ledger.TenantView {
	out := map[string]ledger.TenantView{}
	for _, tenant := range tenants {
		if v, err := w.l.Get(tenant); err == nil {
			out[tenant] = v
		}
	}
	return out
}

func equalWrites(a, b ledger.Write) bool {
	return a.Tenant == b.Tenant && a.Namespace == b.Namespace && a.Seq == b.Seq && maps.Equal(a.Hard, b.Hard)
}
