package quotasync

import (
	"context"
	"errors"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans/planstest"
)

func write(ns string, seq uint64) *quotav1.QuotaWrite {
	return &quotav1.QuotaWrite{Tenant: "acme", Namespace: ns, Seq: seq, Hard: map[string]string{"pods": "1"}}
}

func TestRememberKeepsTheNewestWritePerNamespace(t *testing.T) {
	s := &Syncer{}
	s.init()
	got := s.remember([]*quotav1.QuotaWrite{write("a", 2), write("b", 1), write("a", 5), write("a", 3)})
	if len(got) != 2 || got[0].GetNamespace() != "b" || got[1].GetSeq() != 5 {
		t.Errorf("to apply: %v, want b@1 and a@5 once each", got)
	}
	if got := s.remember([]*quotav1.QuotaWrite{write("a", 4)}); len(got) != 0 {
		t.Errorf("an older write is applied: %v", got)
	}
	if w, _ := s.Latest("a"); w.GetSeq() != 5 {
		t.Errorf("latest of a = %d, want 5", w.GetSeq())
	}
	// Sent again (the quota service resends what the cluster lacks): applied again.
	if got := s.remember([]*quotav1.QuotaWrite{write("a", 5)}); len(got) != 1 {
		t.Errorf("a resent write is not applied: %v", got)
	}
	if _, ok := s.Latest("c"); ok {
		t.Error("a write for a namespace never written")
	}
}

func TestParseHard(t *testing.T) {
	hard, err := parseHard(map[string]string{"pods": "10", "requests.memory": "8Gi"})
	if err != nil || hard.Pods().Value() != 10 || hard.Name("requests.memory", "").String() != "8Gi" {
		t.Errorf("parseHard = %v, %v", hard, err)
	}
	if _, err := parseHard(map[string]string{"pods": "10", "requests.cpu": "lots"}); err == nil {
		t.Error("a bad quantity is accepted")
	}
}

func TestConvertRefusesAnUnknownAPITier(t *testing.T) {
	p := planstest.Protos()[0]
	if _, err := Convert(p); err != nil {
		t.Fatal(err)
	}
	p.ApiTier = "platinum"
	if _, err := Convert(p); err == nil {
		t.Error("a plan whose tier has no priority level is accepted")
	}
}

func TestChanged(t *testing.T) {
	prev := planstest.Table()
	next := planstest.Table()
	if got := Changed(prev, next); len(got) != 0 {
		t.Errorf("equal tables differ in %v", got)
	}
	if got := Changed(nil, next); !slices.Equal(got, planstest.Names()) {
		t.Errorf("from nothing: %v", got)
	}
	delete(next, "free")
	next["standard"].Egress = plans.EgressOpen
	next["gold"] = &plans.Plan{Name: "gold", APITier: "enterprise"}
	if got := Changed(prev, next); !slices.Equal(got, []string{"free", "gold", "standard"}) {
		t.Errorf("changed = %v, want free (gone), gold (new), standard (egress)", got)
	}
}

// TestHandleSwapsPlans: the first message makes the syncer ready with its
// plans; a message without plans keeps them; one with plans replaces the
// whole table (a plan it cannot render is left out) and says which changed.
func TestHandleSwapsPlans(t *testing.T) {
	var changes [][]string
	s := &Syncer{OnPlans: func(c []string) { changes = append(changes, c) }, Leading: make(chan struct{})}
	if s.Ready() {
		t.Fatal("ready before any message")
	}
	ctx := context.Background()
	s.Handle(ctx, &quotav1.SyncResponse{Plans: planstest.Protos(), Writes: []*quotav1.QuotaWrite{write("acme-web", 1)}})
	if !s.Ready() || s.WaitReady(ctx) != nil {
		t.Fatal("not ready after the first message")
	}
	if !slices.Equal(s.Names(), planstest.Names()) {
		t.Errorf("plans %v", s.Names())
	}
	if w, ok := s.Latest("acme-web"); !ok || w.GetSeq() != 1 {
		t.Errorf("the write of the first message is not remembered: %v", w)
	}
	s.Handle(ctx, &quotav1.SyncResponse{Writes: []*quotav1.QuotaWrite{write("acme-web", 2)}})
	if !slices.Equal(s.Names(), planstest.Names()) {
		t.Errorf("a message without plans changed them: %v", s.Names())
	}
	next := planstest.Protos()
	bad := next[0] // enterprise
	bad.Egress = "Everywhere"
	for _, p := range next {
		if p.GetName() == "standard" {
			p.RuntimeClasses = []string{"gvisor"}
		}
	}
	s.Handle(ctx, &quotav1.SyncResponse{Plans: next})
	if _, ok := s.Plan("enterprise"); ok {
		t.Error("a plan that cannot be rendered is in the table")
	}
	if p, ok := s.Plan("standard"); !ok || !slices.Equal(p.RuntimeClasses, []string{"gvisor"}) {
		t.Errorf("standard = %+v", p)
	}
	want := [][]string{planstest.Names(), {"enterprise", "standard"}}
	if len(changes) != 2 || !slices.Equal(changes[0], want[0]) || !slices.Equal(changes[1], want[1]) {
		t.Errorf("OnPlans calls %v, want %v", changes, want)
	}
}

// fakeQuota is the quota service's admission API: each Sync fails with
// the next of fails, then streams msgs and ends.
type fakeQuota struct {
	quotav1.QuotaAdmissionServiceClient
	mu    sync.Mutex
	fails []error
	msgs  []*quotav1.SyncResponse
	calls []time.Time
}

func (f *fakeQuota) Sync(ctx context.Context, _ *quotav1.SyncRequest, _ ...grpc.CallOption) (grpc.ServerStreamingClient[quotav1.SyncResponse], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, time.Now())
	if len(f.fails) > 0 {
		err := f.fails[0]
		f.fails = f.fails[1:]
		return nil, err
	}
	return &fakeStream{ctx: ctx, msgs: slices.Clone(f.msgs)}, nil
}

type fakeStream struct {
	grpc.ClientStream
	ctx  context.Context
	msgs []*quotav1.SyncResponse
}

func (s *fakeStream) Recv() (*quotav1.SyncResponse, error) {
	if len(s.msgs) == 0 {
		return nil, io.EOF
	}
	m := s.msgs[0]
	s.msgs = s.msgs[1:]
	return m, nil
}

// TestStartReconnectsWithBackoff: failed connects wait 100 ms, then twice
// that; a stream that delivered a message starts the backoff over.
func TestStartReconnectsWithBackoff(t *testing.T) {
	unavailable := status.Error(codes.Unavailable, "quota is down")
	f := &fakeQuota{fails: []error{unavailable, unavailable}, msgs: []*quotav1.SyncResponse{{Plans: planstest.Protos()}}}
	s := &Syncer{Client: f, Leading: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Start(ctx) }()
	if err := s.WaitReady(withTimeout(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mu.Lock()
		n := len(f.calls)
		f.mu.Unlock()
		if n >= 5 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Start = %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) < 5 {
		t.Fatalf("%d connects", len(f.calls))
	}
	gaps := make([]time.Duration, 4)
	for i := range gaps {
		gaps[i] = f.calls[i+1].Sub(f.calls[i])
	}
	// fail, fail, stream (message, EOF), stream (message, EOF): 100 ms,
	// 200 ms, then 100 ms again after each stream that delivered.
	for i, want := range []time.Duration{100, 200, 100, 100} {
		want *= time.Millisecond
		if gaps[i] < want || gaps[i] > want+190*time.Millisecond { // 100 ms + 190 < 400: a missed reset shows
			t.Errorf("wait %d = %s, want about %s", i+1, gaps[i].Round(time.Millisecond), want)
		}
	}
	if !slices.Equal(s.Names(), planstest.Names()) {
		t.Errorf("plans %v", s.Names())
	}
}

func TestStartStopsWithItsContext(t *testing.T) {
	f := &fakeQuota{fails: []error{errors.New("down"), errors.New("down"), errors.New("down"), errors.New("down"), errors.New("down"), errors.New("down"), errors.New("down"), errors.New("down")}}
	s := &Syncer{Client: f}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("Start returned %s after its context ended", took)
	}
	if s.Ready() {
		t.Error("ready without a message")
	}
}

func withTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// handlers is an informer that only keeps its handlers.
type handlers struct {
	list []toolscache.ResourceEventHandler
}

func (h *handlers) AddEventHandler(e toolscache.ResourceEventHandler) (toolscache.ResourceEventHandlerRegistration, error) {
	h.list = append(h.list, e)
	return nil, nil
}

// TestDeletedNamespacesAreForgotten: a deleted namespace's last write is
// not applied to a namespace made again under its name.
func TestDeletedNamespacesAreForgotten(t *testing.T) {
	s := &Syncer{}
	s.init()
	s.remember([]*quotav1.QuotaWrite{write("acme-web", 3), write("acme-jobs", 4), write("acme-db", 5)})
	inf := &handlers{}
	if err := s.ForgetDeletedNamespaces(inf); err != nil || len(inf.list) != 1 {
		t.Fatal(err)
	}
	ns := func(name string) *corev1.Namespace {
		return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	}
	inf.list[0].OnDelete(ns("acme-web"))
	inf.list[0].OnDelete(toolscache.DeletedFinalStateUnknown{Key: "acme-jobs", Obj: ns("acme-jobs")})
	inf.list[0].OnUpdate(ns("acme-db"), ns("acme-db"))
	for name, want := range map[string]bool{"acme-web": false, "acme-jobs": false, "acme-db": true} {
		if _, ok := s.Latest(name); ok != want {
			t.Errorf("%s remembered: %v, want %v", name, ok, want)
		}
	}
}
