// Package storetest is the conformance suite of identity's Store: every
// backend runs Cases and must pass them all. Together the cases call every
// method of every interface of store.Tx (suite_test.go checks that, and
// that a backend whose reads fail does not pass).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/storagetest"
)

// check is one behaviour; it takes a testing.TB so that the suite itself
// can be run against a recording TB (see suite_test.go).
type check struct {
	name string
	run  func(t testing.TB, s store.Store)
}

var checks = []check{
	{"users round trip, page in name order, count, delete", usersCase},
	{"memberships are indexed by tenant and by subject", membershipsCase},
	{"group members are indexed both ways", groupsCase},
	{"service accounts round trip, page in name order, delete", serviceAccountsCase},
	{"API keys are indexed by owner", apiKeysCase},
	{"refresh tokens: families, tombstones, owners and collection", refreshCase},
	{"signing keys", signingKeysCase},
	{"tenant tiers replace, delete and read empty when unknown", tenantTiersCase},
	{"audit events list newest first, paged, count and trim oldest first", auditCase},
	{"a failed write changes nothing", rollbackCase},
	{"a transaction reads its own writes", ownWritesCase},
}

// Cases are the behaviours every Store backend must have.
func Cases() []storagetest.Case[store.Store] {
	out := make([]storagetest.Case[store.Store], len(checks))
	for i, c := range checks {
		out[i] = storagetest.Case[store.Store]{Name: c.name, Run: func(t *testing.T, s store.Store) { c.run(t, s) }}
	}
	return out
}

// Bolt opens a bbolt store in t's temporary directory, closed at cleanup:
// the real store, for tests of the packages that use it.
func Bolt(t testing.TB) store.Store {
	t.Helper()
	s, err := store.OpenBolt(filepath.Join(t.TempDir(), "identity.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

var ctx = context.Background()

// write and read run one transaction and stop the test if it fails.
func write(t testing.TB, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Write(ctx, fn); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func read(t testing.TB, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Read(ctx, fn); err != nil {
		t.Fatalf("read: %v", err)
	}
}

// ok stops the test on any error: a backend whose calls fail must not
// pass by accident.
func ok(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// notFound checks that err wraps apierror.ErrNotFound.
func notFound(t testing.TB, err error, what string) {
	t.Helper()
	if !errors.Is(err, apierror.ErrNotFound) {
		t.Errorf("%s: %v, want not found", what, err)
	}
}

// same fails the test when got and want print differently.
func same(t testing.TB, what string, got, want any) {
	t.Helper()
	if g, w := fmt.Sprint(got), fmt.Sprint(want); g != w {
		t.Errorf("%s = %s, want %s", what, g, w)
	}
}

// names maps records to their names, for comparing lists.
func names[R any](recs []R, name func(R) string) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = name(r)
	}
	return out
}
