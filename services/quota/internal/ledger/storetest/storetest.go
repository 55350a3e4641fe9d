// Package storetest is the conformance suite every ledger.Store backend
// runs (storagetest.Run with Cases).
package storetest

import (
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/landlord-dev/landlord/services/internal/storagetest"
	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
)

// Record is a tenant record with every kind of field set.
func Record(name string) *ledger.TenantRecord {
	return &ledger.TenantRecord{
		Name:          name,
		Resources:     []string{"requests.cpu", "pods"},
		Limit:         []int64{4000, 10},
		Min:           []int64{100, 1},
		Initial:       []int64{1000, 3},
		MaxNamespaces: 3,
		Namespaces: []*ledger.NamespaceRecord{{
			Name: "a", Seq: 3, Intended: []int64{600, 3},
			Issued: []ledger.IssuedWrite{{Seq: 2, Hard: []int64{1000, 3}}, {Seq: 3, Hard: []int64{600, 3}}},
			Seen:   true, ObsSeq: 1, Spec: []int64{1000, 3}, Status: []int64{1000, -1}, Used: []int64{500, -1},
		}, {
			Name: "b", Seq: 1, Intended: []int64{1000, 3},
		}},
		Moves:    []ledger.Move{{ID: 7, Resource: "requests.cpu", From: "a", To: "b", Amount: 400}},
		NextMove: 7,
	}
}

func load(t *testing.T, st ledger.Store) map[string]*ledger.TenantRecord {
	t.Helper()
	out := map[string]*ledger.TenantRecord{}
	if err := st.Load(func(rec *ledger.TenantRecord) error {
		if out[rec.Name] != nil {
			return fmt.Errorf("%s loaded twice", rec.Name)
		}
		out[rec.Name] = rec
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// Cases are the behaviours of every ledger.Store.
func Cases() []storagetest.Case[ledger.Store] {
	return []storagetest.Case[ledger.Store]{
		{Name: "EmptyLoadsNothing", Run: func(t *testing.T, st ledger.Store) {
			if recs := load(t, st); len(recs) != 0 {
				t.Errorf("loaded %v", recs)
			}
		}},
		{Name: "SaveLoadRoundTrip", Run: func(t *testing.T, st ledger.Store) {
			want := Record("acme")
			if err := st.Save(want); err != nil {
				t.Fatal(err)
			}
			want.Namespaces[0].Intended[0] = 1 // the store kept its own copy
			if got := load(t, st)["acme"]; !reflect.DeepEqual(got, Record("acme")) {
				t.Errorf("loaded %+v", got)
			}
		}},
		{Name: "SaveReplacesDeleteRemoves", Run: func(t *testing.T, st ledger.Store) {
			for _, name := range []string{"a", "b"} {
				if err := st.Save(Record(name)); err != nil {
					t.Fatal(err)
				}
			}
			rec := Record("a")
			rec.MaxNamespaces = 9
			if err := st.Save(rec); err != nil {
				t.Fatal(err)
			}
			if err := st.Delete("b"); err != nil {
				t.Fatal(err)
			}
			if err := st.Delete("never"); err != nil {
				t.Errorf("deleting a missing tenant: %v", err)
			}
			recs := load(t, st)
			if len(recs) != 1 || recs["a"].MaxNamespaces != 9 {
				t.Errorf("loaded %v", recs)
			}
		}},
		{Name: "ConcurrentSaves", Run: func(t *testing.T, st ledger.Store) {
			var wg sync.WaitGroup
			errs := make(chan error, 64)
			for i := range 64 {
				wg.Go(func() { errs <- st.Save(Record(fmt.Sprintf("t%02d", i))) })
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if recs := load(t, st); len(recs) != 64 {
				t.Errorf("loaded %d of 64", len(recs))
			}
		}},
	}
}
