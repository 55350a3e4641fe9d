package plans

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
)

func openStore(t *testing.T, path string) *Store {
	t.Helper()
	s, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func planNames(t *testing.T, s *Store) []string {
	t.Helper()
	list, err := s.ListPlans()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range list {
		names = append(names, p.GetName())
	}
	return names
}

// fired reports whether Changed was signalled, and drains it.
func fired(s *Store) bool {
	select {
	case <-s.Changed():
		return true
	default:
		return false
	}
}

func TestStoreSeedsDefaultsOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plans.db")
	s := openStore(t, path)
	if got := planNames(t, s); !slices.Equal(got, []string{"enterprise", "free", "isolated", "standard"}) {
		t.Fatalf("seeded %v", got)
	}
	free, err := s.GetPlan("free")
	if err != nil || free.GetEtag() == "" || free.GetCreateTime() == nil {
		t.Fatalf("free: %v, %v", free, err)
	}
	if _, err := s.UpdatePlan(&quotav1.Plan{Name: "standard", Description: "changed"}, []string{"description"}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePlan("free", "", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, path)
	if got := planNames(t, s); !slices.Equal(got, []string{"enterprise", "isolated", "standard"}) {
		t.Errorf("after reopen: %v, want the deleted default to stay deleted", got)
	}
	if std, err := s.GetPlan("standard"); err != nil || std.GetDescription() != "changed" {
		t.Errorf("standard after reopen: %v, %v", std.GetDescription(), err)
	}
}

func TestStorePlanLifecycle(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "plans.db"))
	clock := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	s.now = func() time.Time { return clock }
	fired(s)

	gold := defaultPlan(t, "enterprise")
	gold.Name, gold.Etag = "gold", "ignored"
	created, err := s.CreatePlan(gold)
	if err != nil {
		t.Fatal(err)
	}
	if created.GetEtag() == "" || created.GetEtag() == "ignored" || !created.GetCreateTime().AsTime().Equal(clock) || !fired(s) {
		t.Fatalf("created: etag %q, time %v", created.GetEtag(), created.GetCreateTime())
	}
	if got, err := s.GetPlan("gold"); err != nil || !proto.Equal(got, created) {
		t.Fatalf("get: %v, %v", got, err)
	}
	if _, err := s.CreatePlan(gold); !errors.Is(err, apierror.ErrAlreadyExists) {
		t.Errorf("create twice: %v", err)
	}
	bad := proto.CloneOf(gold)
	bad.Name, bad.ApiTier = "bad", "platinum"
	if _, err := s.CreatePlan(bad); err == nil {
		t.Error("created an invalid plan")
	}
	if _, err := s.GetPlan("bad"); !errors.Is(err, apierror.ErrNotFound) {
		t.Errorf("invalid plan stored: %v", err)
	}
	if fired(s) {
		t.Error("Changed fired for failed creates")
	}

	// Updates: a stale etag, an invalid result and a bad mask write nothing.
	clock = clock.Add(time.Hour)
	failing := []struct {
		in    *quotav1.Plan
		paths []string
	}{
		{&quotav1.Plan{Name: "gold", Etag: "999", MaxNamespaces: 2}, []string{"max_namespaces"}},
		{&quotav1.Plan{Name: "gold", Etag: created.GetEtag(), MaxNamespaces: 0}, []string{"max_namespaces"}},
		{&quotav1.Plan{Name: "gold", Etag: created.GetEtag()}, []string{"name"}},
		{&quotav1.Plan{Name: "nope"}, []string{"description"}},
	}
	for i, f := range failing {
		if _, err := s.UpdatePlan(f.in, f.paths); err == nil {
			t.Errorf("update %d succeeded", i)
		}
	}
	if _, err := s.UpdatePlan(failing[0].in, failing[0].paths); !errors.Is(err, apierror.ErrEtagMismatch) {
		t.Errorf("stale etag: %v", err)
	}
	if got, _ := s.GetPlan("gold"); !proto.Equal(got, created) || fired(s) {
		t.Fatalf("a failed update wrote: %v", got)
	}
	updated, err := s.UpdatePlan(&quotav1.Plan{Name: "gold", Etag: created.GetEtag(), Description: "shiny", Egress: "Open"}, []string{"description", "egress"})
	if err != nil {
		t.Fatal(err)
	}
	if updated.GetEtag() == created.GetEtag() || updated.GetDescription() != "shiny" || updated.GetEgress() != "Open" ||
		!updated.GetUpdateTime().AsTime().Equal(clock) || !updated.GetCreateTime().AsTime().Equal(created.GetCreateTime().AsTime()) || !fired(s) {
		t.Errorf("updated: %v", updated)
	}

	// Deletes: stale etag, then a plan in use, then for real.
	if err := s.DeletePlan("gold", created.GetEtag(), nil); !errors.Is(err, apierror.ErrEtagMismatch) {
		t.Errorf("delete with stale etag: %v", err)
	}
	inUse := func(plan string) error {
		return fmt.Errorf("plan %q is used by tenants acme, initech: %w", plan, apierror.ErrFailedPrecondition)
	}
	if err := s.DeletePlan("gold", updated.GetEtag(), inUse); !errors.Is(err, apierror.ErrFailedPrecondition) {
		t.Errorf("delete in use: %v", err)
	}
	if _, err := s.GetPlan("gold"); err != nil || fired(s) {
		t.Fatalf("plan in use was deleted: %v", err)
	}
	if err := s.DeletePlan("gold", updated.GetEtag(), func(string) error { return nil }); err != nil || !fired(s) {
		t.Fatalf("delete: %v", err)
	}
	if _, err := s.GetPlan("gold"); !errors.Is(err, apierror.ErrNotFound) {
		t.Errorf("deleted plan: %v", err)
	}
	if err := s.DeletePlan("gold", "", nil); !errors.Is(err, apierror.ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
	// Recreated under the same name, it never reuses an old etag.
	again, err := s.CreatePlan(gold)
	if err != nil || again.GetEtag() == created.GetEtag() || again.GetEtag() == updated.GetEtag() {
		t.Errorf("recreated: etag %q, %v", again.GetEtag(), err)
	}
}

func TestStoreOverrides(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plans.db")
	s := openStore(t, path)
	free := defaultPlan(t, "free")
	check := func(o *quotav1.Overrides) error { return ValidateOverrides(o, free) }

	o, etag, err := s.GetOverrides("acme")
	if err != nil || etag != "0" || !proto.Equal(o, &quotav1.Overrides{}) {
		t.Fatalf("none: %v, %q, %v", o, etag, err)
	}
	in := &quotav1.Overrides{Budget: map[string]string{"pods": "30"}, MaxNamespaces: proto.Int32(2)}
	o, etag1, err := s.UpdateOverrides("acme", in, []string{"budget", "max_namespaces"}, "0", check)
	if err != nil || etag1 == "0" || o.GetBudget()["pods"] != "30" {
		t.Fatalf("create: %v, %q, %v", o, etag1, err)
	}
	// A stale etag and a failing check write nothing.
	if _, _, err := s.UpdateOverrides("acme", in, []string{"max_namespaces"}, "0", check); !errors.Is(err, apierror.ErrEtagMismatch) {
		t.Errorf("stale etag: %v", err)
	}
	_, _, err = s.UpdateOverrides("acme", &quotav1.Overrides{MaxNamespaces: proto.Int32(9)}, []string{"max_namespaces"}, etag1, check)
	wantViolation(t, err, "overrides.max_namespaces", "below")
	if got, etag, _ := s.GetOverrides("acme"); etag != etag1 || !proto.Equal(got, o) {
		t.Errorf("a failed update wrote: %v at %q", got, etag)
	}
	o2, etag2, err := s.UpdateOverrides("acme", &quotav1.Overrides{}, []string{"max_namespaces"}, "", check)
	if err != nil || etag2 == etag1 || o2.MaxNamespaces != nil || o2.GetBudget()["pods"] != "30" {
		t.Fatalf("clear max_namespaces: %v, %q, %v", o2, etag2, err)
	}
	if fired(s) {
		t.Error("Changed fired for overrides")
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, path)
	if got, etag, err := s.GetOverrides("acme"); err != nil || etag != etag2 || !proto.Equal(got, o2) {
		t.Errorf("after reopen: %v, %q, %v", got, etag, err)
	}
	if err := s.DeleteOverrides("acme"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteOverrides("acme"); err != nil {
		t.Errorf("delete twice: %v", err)
	}
	if _, etag, _ := s.GetOverrides("acme"); etag != "0" {
		t.Errorf("deleted overrides at etag %q", etag)
	}
	// An etag read before the delete does not match the recreated record.
	if _, _, err := s.UpdateOverrides("acme", in, []string{"budget"}, "", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UpdateOverrides("acme", in, []string{"budget"}, etag1, nil); !errors.Is(err, apierror.ErrEtagMismatch) {
		t.Errorf("old etag after recreate: %v", err)
	}
}
