// Package storagetest is the harness of the storage conformance suites.
//
// A service's store is an interface; each backend of it (bbolt today, etcd
// when a service runs as several replicas) must behave the same. The
// service writes its behaviours once as Cases, and each backend's test runs
// them all against fresh stores:
//
//	func TestBoltConformance(t *testing.T) {
//		storagetest.Run(t, openBoltStore, usersuite.Cases())
//	}
package storagetest

import "testing"

// Case is one behaviour every backend of store S must have.
type Case[S any] struct {
	Name string
	Run  func(t *testing.T, store S)
}

// Run runs every case as a subtest, each against a fresh store from open.
// open registers its own cleanup with t.Cleanup.
func Run[S any](t *testing.T, open func(t *testing.T) S, cases []Case[S]) {
	t.Helper()
	if len(cases) == 0 {
		t.Fatal("storagetest.Run: no cases")
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			c.Run(t, open(t))
		})
	}
}
