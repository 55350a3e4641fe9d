// Package quotasync applies the quota service's decisions to the cluster:
// it keeps a stream (QuotaAdmissionService.Sync) open to the quota
// service, takes the plans it sends as provisioning's plan table, and
// writes the ResourceQuota hard limits it sends into tenant namespaces.
// Provisioning stays the only writer to the cluster; the quota service
// decides.
//
// Each write carries a sequence number, ordered per namespace, that is
// stored on the ResourceQuota (render.AnnotationQuotaSeq). The one rule
// this package keeps whatever happens (restarts, reconnects, replays,
// concurrent passes, writes arriving out of order): a write older than the
// object's is never applied. Patches carry the resourceVersion they were
// computed from, so two writers can never interleave a read and a write.
package quotasync

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/controller-runtime/pkg/client"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// Reconnection backoff: from backoffMin, doubling to backoffMax, back to
// backoffMin once a message arrives.
const (
	backoffMin = 100 * time.Millisecond
	backoffMax = 5 * time.Second
)

// DefaultWorkers bounds the writes applied at once.
const DefaultWorkers = 16

// Syncer consumes the quota service's Sync stream. Set the exported
// fields, then run Start (a manager Runnable on every replica: each needs
// the plans for its API). It is the operator's plans.Source and its
// controller.Quota.
type Syncer struct {
	// Client is the quota service's admission API (mutual TLS).
	Client quotav1.QuotaAdmissionServiceClient
	// Kube reads from the operator's cache and writes to the API server.
	Kube client.Client
	// Live reads straight from the API server.
	Live client.Reader
	Log  *slog.Logger
	// OnPlans, if set, is called with the names of the plans added,
	// changed or removed, after the table changed.
	OnPlans func(changed []string)
	// Leading, if set, is closed when this replica leads: until then
	// writes are only remembered (the leader applies them), and then the
	// remembered ones are applied once. Nil: apply at once.
	Leading <-chan struct{}
	// Workers bounds the writes applied at once (DefaultWorkers if 0).
	Workers int

	table     atomic.Pointer[plans.Table]
	ready     atomic.Bool
	readyOnce sync.Once
	readyCh   chan struct{}
	initOnce  sync.Once

	mu     sync.Mutex
	latest map[string]*quotav1.QuotaWrite // cluster namespace -> newest write seen
}

func (s *Syncer) init() {
	s.initOnce.Do(func() {
		s.readyCh = make(chan struct{})
		s.latest = map[string]*quotav1.QuotaWrite{}
	})
}

func (s *Syncer) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// NeedLeaderElection is false: every replica needs the plans.
func (s *Syncer) NeedLeaderElection() bool { return false }

// Start keeps the stream open until ctx ends, reconnecting with backoff.
func (s *Syncer) Start(ctx context.Context) error {
	s.init()
	if s.Leading != nil {
		go func() {
			select {
			case <-s.Leading:
				s.applyRemembered(ctx)
			case <-ctx.Done():
			}
		}()
	}
	wait := backoffMin
	for ctx.Err() == nil {
		received, err := s.stream(ctx)
		if ctx.Err() != nil {
			break
		}
		if received {
			wait = backoffMin
		}
		if err == io.EOF {
			s.log().Info("quota service ended the sync stream; reconnecting")
		} else {
			s.log().Warn("quota sync stream failed; reconnecting", "error", err, "in", wait)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
		wait = min(2*wait, backoffMax)
	}
	return nil
}

// stream reads one stream until it fails; received says whether any
// message came.
func (s *Syncer) stream(ctx context.Context) (received bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := s.Client.Sync(ctx, &quotav1.SyncRequest{})
	if err != nil {
		return false, err
	}
	for {
		msg, err := stream.Recv()
		if err != nil {
			return received, err
		}
		received = true
		s.Handle(ctx, msg)
	}
}

// Handle takes one message: its plans, if any, replace the table; its
// writes are remembered and, if this replica leads, applied before Handle
// returns. The first message makes the syncer Ready.
func (s *Syncer) Handle(ctx context.Context, msg *quotav1.SyncResponse) {
	s.init()
	if len(msg.GetPlans()) > 0 || !s.ready.Load() {
		s.setPlans(msg.GetPlans())
	}
	s.readyOnce.Do(func() {
		s.ready.Store(true)
		close(s.readyCh)
	})
	writes := s.remember(msg.GetWrites())
	if s.leading() {
		s.applyAll(ctx, writes)
	}
}

// Ready reports whether the first message (every plan) has arrived.
func (s *Syncer) Ready() bool { return s.ready.Load() }

// WaitReady blocks until Ready or ctx ends.
func (s *Syncer) WaitReady(ctx context.Context) error {
	s.init()
	select {
	case <-s.readyCh:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (s *Syncer) leading() bool {
	if s.Leading == nil {
		return true
	}
	select {
	case <-s.Leading:
		return true
	default:
		return false
	}
}

// Plan returns the named plan of the quota service's table.
func (s *Syncer) Plan(name string) (*plans.Plan, bool) {
	if t := s.table.Load(); t != nil {
		return t.Plan(name)
	}
	return nil, false
}

// Names lists the quota service's plans.
func (s *Syncer) Names() []string {
	if t := s.table.Load(); t != nil {
		return t.Names()
	}
	return nil
}

// setPlans swaps the whole table for the plans received; a plan that
// cannot be rendered is left out (and logged): its tenants fail as on an
// unknown plan rather than get something no one decided.
func (s *Syncer) setPlans(received []*quotav1.Plan) {
	next := plans.Table{}
	for _, p := range received {
		converted, err := Convert(p)
		if err != nil {
			s.log().Error("quota service sent a plan provisioning cannot render; leaving it out", "plan", p.GetName(), "error", err)
			continue
		}
		next[converted.Name] = converted
	}
	var prev plans.Table
	if old := s.table.Swap(&next); old != nil {
		prev = *old
	}
	if changed := Changed(prev, next); len(changed) > 0 && s.OnPlans != nil {
		s.OnPlans(changed)
	}
}

// Convert is plans.FromProto, refusing too an API tier that has no
// priority level (render.Tiers): its tenants' requests would fall through
// to the cluster's catch-all.
func Convert(p *quotav1.Plan) (*plans.Plan, error) {
	converted, err := plans.FromProto(p)
	if err != nil {
		return nil, err
	}
	if _, ok := render.Tiers[converted.APITier]; !ok {
		return nil, fmt.Errorf("plan %s: API tier %q is none of %s", converted.Name, converted.APITier, strings.Join(render.TierNames(), ", "))
	}
	return converted, nil
}

// Changed lists, sorted, the plans added, removed or changed between two
// tables.
func Changed(prev, next plans.Table) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(next)) {
		if old, ok := prev[name]; !ok || !equality.Semantic.DeepEqual(old, next[name]) {
			out = append(out, name)
		}
	}
	for name := range prev {
		if _, ok := next[name]; !ok {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
