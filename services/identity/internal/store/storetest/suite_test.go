package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
)

// TestSuiteCallsEveryMethod runs the suite through a spy that records the
// Tx methods called: every method of every interface must be exercised.
func TestSuiteCallsEveryMethod(t *testing.T) {
	called := map[string]bool{}
	for _, c := range checks {
		sp := &spy{Store: Bolt(t), called: called}
		if rec := runCheck(t, c, sp); rec.Failed() {
			t.Errorf("%s: fails through a faithful spy: %s", c.name, rec.messages())
		}
	}
	tx := reflect.TypeFor[store.Tx]()
	for i := range tx.NumMethod() {
		if m := tx.Method(i).Name; !called[m] {
			t.Errorf("no case calls Tx.%s", m)
		}
	}
}

// TestSuiteFailsABackendWhoseReadsFail: against a store where one read
// returns an error, the case making it must report failure, not pass by
// ignoring the error. Each read of each case is failed in turn, so no
// read anywhere in the suite goes unchecked.
func TestSuiteFailsABackendWhoseReadsFail(t *testing.T) {
	for _, c := range checks {
		clean := &spy{Store: Bolt(t), called: map[string]bool{}}
		runCheck(t, c, clean)
		if clean.reads == 0 {
			t.Errorf("%s: makes no reads", c.name)
		}
		for n := 1; n <= clean.reads; n++ {
			broken := &spy{Store: Bolt(t), called: map[string]bool{}, failRead: n}
			if rec := runCheck(t, c, broken); !rec.Failed() {
				t.Errorf("%s: passes although read %d (%s) failed", c.name, n, broken.failed)
			}
		}
	}
}

// runCheck runs one case with a recording TB, in its own goroutine so
// that Fatal (runtime.Goexit) ends the case, not the test.
func runCheck(t *testing.T, c check, s store.Store) *recordingTB {
	rec := &recordingTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.run(rec, s)
	}()
	<-done
	return rec
}

// recordingTB notes failures instead of failing the real test.
type recordingTB struct {
	testing.TB // the real test: TempDir, Cleanup, Log
	mu         sync.Mutex
	failed     bool
	msgs       []string
}

func (r *recordingTB) fail(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	if msg != "" {
		r.msgs = append(r.msgs, msg)
	}
}

func (r *recordingTB) messages() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.msgs) == 0 {
		return "(no message)"
	}
	return fmt.Sprintf("%q (and %d more)", r.msgs[0], len(r.msgs)-1)
}

func (r *recordingTB) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

func (r *recordingTB) Helper()                        {}
func (r *recordingTB) Fail()                          { r.fail("") }
func (r *recordingTB) Error(args ...any)              { r.fail(fmt.Sprint(args...)) }
func (r *recordingTB) Errorf(format string, a ...any) { r.fail(fmt.Sprintf(format, a...)) }
func (r *recordingTB) FailNow()                       { r.Fail(); runtime.Goexit() }
func (r *recordingTB) Fatal(args ...any)              { r.Error(args...); runtime.Goexit() }
func (r *recordingTB) Fatalf(format string, a ...any) {
	r.Errorf(format, a...)
	runtime.Goexit()
}
func (r *recordingTB) SkipNow()             { runtime.Goexit() }
func (r *recordingTB) Skip(...any)          { runtime.Goexit() }
func (r *recordingTB) Skipf(string, ...any) { runtime.Goexit() }

// spy wraps a store: it records the Tx methods called and counts reads;
// with failRead n, the n-th read fails as a broken backend's would.
type spy struct {
	store.Store
	failRead int
	mu       sync.Mutex
	called   map[string]bool
	reads    int
	failed   string // the method whose read failed
}

var errBrokenRead = errors.New("read failed (injected)")

func (s *spy) Read(ctx context.Context, fn func(store.Tx) error) error {
	return s.Store.Read(ctx, func(tx store.Tx) error { return fn(spyTx{tx, s}) })
}

func (s *spy) Write(ctx context.Context, fn func(store.Tx) error) error {
	return s.Store.Write(ctx, func(tx store.Tx) error { return fn(spyTx{tx, s}) })
}

func (s *spy) call(method string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.called[method] = true
}

// spyTx implements every method itself (no embedded Tx), so a method added
// to Tx does not compile here until the spy knows it.
type spyTx struct {
	tx store.Tx
	s  *spy
}

func (x spyTx) read(method string) error {
	x.s.call(method)
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	x.s.reads++
	if x.s.reads == x.s.failRead {
		x.s.failed = method
		return fmt.Errorf("%s: %w", method, errBrokenRead)
	}
	return nil
}

// readOne runs a read unless it is made to fail.
func readOne[R any](x spyTx, method string, get func() (R, error)) (R, error) {
	if err := x.read(method); err != nil {
		var zero R
		return zero, err
	}
	return get()
}

func (x spyTx) GetUser(name string) (*storagev1.UserRecord, error) {
	return readOne(x, "GetUser", func() (*storagev1.UserRecord, error) { return x.tx.GetUser(name) })
}
func (x spyTx) PutUser(rec *storagev1.UserRecord) error {
	x.s.call("PutUser")
	return x.tx.PutUser(rec)
}
func (x spyTx) DeleteUser(name string) error { x.s.call("DeleteUser"); return x.tx.DeleteUser(name) }
func (x spyTx) ListUsers(after string, limit int) ([]*storagev1.UserRecord, error) {
	return readOne(x, "ListUsers", func() ([]*storagev1.UserRecord, error) { return x.tx.ListUsers(after, limit) })
}
func (x spyTx) CountUsers() (int, error) { return readOne(x, "CountUsers", x.tx.CountUsers) }

func (x spyTx) GetMembership(tenant, subject string) (*storagev1.MembershipRecord, error) {
	return readOne(x, "GetMembership", func() (*storagev1.MembershipRecord, error) { return x.tx.GetMembership(tenant, subject) })
}
func (x spyTx) PutMembership(rec *storagev1.MembershipRecord) error {
	x.s.call("PutMembership")
	return x.tx.PutMembership(rec)
}
func (x spyTx) DeleteMembership(tenant, subject string) error {
	x.s.call("DeleteMembership")
	return x.tx.DeleteMembership(tenant, subject)
}
func (x spyTx) ListMemberships(tenant, after string, limit int) ([]*storagev1.MembershipRecord, error) {
	return readOne(x, "ListMemberships", func() ([]*storagev1.MembershipRecord, error) { return x.tx.ListMemberships(tenant, after, limit) })
}
func (x spyTx) MembershipsOf(subject string) ([]*storagev1.MembershipRecord, error) {
	return readOne(x, "MembershipsOf", func() ([]*storagev1.MembershipRecord, error) { return x.tx.MembershipsOf(subject) })
}

func (x spyTx) GetGroup(name string) (*storagev1.GroupRecord, error) {
	return readOne(x, "GetGroup", func() (*storagev1.GroupRecord, error) { return x.tx.GetGroup(name) })
}
func (x spyTx) PutGroup(rec *storagev1.GroupRecord) error {
	x.s.call("PutGroup")
	return x.tx.PutGroup(rec)
}
func (x spyTx) DeleteGroup(name string) error { x.s.call("DeleteGroup"); return x.tx.DeleteGroup(name) }
func (x spyTx) ListGroups(after string, limit int) ([]*storagev1.GroupRecord, error) {
	return readOne(x, "ListGroups", func() ([]*storagev1.GroupRecord, error) { return x.tx.ListGroups(after, limit) })
}
func (x spyTx) AddGroupMember(group, user string) error {
	x.s.call("AddGroupMember")
	return x.tx.AddGroupMember(group, user)
}
func (x spyTx) RemoveGroupMember(group, user string) error {
	x.s.call("RemoveGroupMember")
	return x.tx.RemoveGroupMember(group, user)
}
func (x spyTx) GroupMembers(group string) ([]string, error) {
	return readOne(x, "GroupMembers", func() ([]string, error) { return x.tx.GroupMembers(group) })
}
func (x spyTx) GroupsOf(user string) ([]string, error) {
	return readOne(x, "GroupsOf", func() ([]string, error) { return x.tx.GroupsOf(user) })
}

func (x spyTx) GetServiceAccount(name string) (*storagev1.ServiceAccountRecord, error) {
	return readOne(x, "GetServiceAccount", func() (*storagev1.ServiceAccountRecord, error) { return x.tx.GetServiceAccount(name) })
}
func (x spyTx) PutServiceAccount(rec *storagev1.ServiceAccountRecord) error {
	x.s.call("PutServiceAccount")
	return x.tx.PutServiceAccount(rec)
}
func (x spyTx) DeleteServiceAccount(name string) error {
	x.s.call("DeleteServiceAccount")
	return x.tx.DeleteServiceAccount(name)
}
func (x spyTx) ListServiceAccounts(after string, limit int) ([]*storagev1.ServiceAccountRecord, error) {
	return readOne(x, "ListServiceAccounts", func() ([]*storagev1.ServiceAccountRecord, error) { return x.tx.ListServiceAccounts(after, limit) })
}

func (x spyTx) GetApiKey(id string) (*storagev1.ApiKeyRecord, error) {
	return readOne(x, "GetApiKey", func() (*storagev1.ApiKeyRecord, error) { return x.tx.GetApiKey(id) })
}
func (x spyTx) PutApiKey(rec *storagev1.ApiKeyRecord) error {
	x.s.call("PutApiKey")
	return x.tx.PutApiKey(rec)
}
func (x spyTx) DeleteApiKey(id string) error { x.s.call("DeleteApiKey"); return x.tx.DeleteApiKey(id) }
func (x spyTx) ApiKeysOf(owner string) ([]*storagev1.ApiKeyRecord, error) {
	return readOne(x, "ApiKeysOf", func() ([]*storagev1.ApiKeyRecord, error) { return x.tx.ApiKeysOf(owner) })
}

func (x spyTx) GetRefreshToken(hash []byte) (*storagev1.RefreshTokenRecord, error) {
	return readOne(x, "GetRefreshToken", func() (*storagev1.RefreshTokenRecord, error) { return x.tx.GetRefreshToken(hash) })
}
func (x spyTx) PutRefreshToken(hash []byte, rec *storagev1.RefreshTokenRecord) error {
	x.s.call("PutRefreshToken")
	return x.tx.PutRefreshToken(hash, rec)
}
func (x spyTx) RevokeFamily(family string) error {
	x.s.call("RevokeFamily")
	return x.tx.RevokeFamily(family)
}
func (x spyTx) GetRefreshFamily(id string) (*storagev1.RefreshFamilyRecord, error) {
	return readOne(x, "GetRefreshFamily", func() (*storagev1.RefreshFamilyRecord, error) { return x.tx.GetRefreshFamily(id) })
}
func (x spyTx) PutRefreshFamily(rec *storagev1.RefreshFamilyRecord) error {
	x.s.call("PutRefreshFamily")
	return x.tx.PutRefreshFamily(rec)
}
func (x spyTx) RefreshFamiliesOf(ownerUID string) ([]string, error) {
	return readOne(x, "RefreshFamiliesOf", func() ([]string, error) { return x.tx.RefreshFamiliesOf(ownerUID) })
}
func (x spyTx) CollectRefreshTokens(now time.Time, limit int) (int, error) {
	return readOne(x, "CollectRefreshTokens", func() (int, error) { return x.tx.CollectRefreshTokens(now, limit) })
}

func (x spyTx) SigningKeys() ([]*storagev1.SigningKeyRecord, error) {
	return readOne(x, "SigningKeys", x.tx.SigningKeys)
}
func (x spyTx) PutSigningKey(rec *storagev1.SigningKeyRecord) error {
	x.s.call("PutSigningKey")
	return x.tx.PutSigningKey(rec)
}
func (x spyTx) DeleteSigningKey(kid string) error {
	x.s.call("DeleteSigningKey")
	return x.tx.DeleteSigningKey(kid)
}

func (x spyTx) AppendAudit(ev *identityv1.AuditEvent) error {
	x.s.call("AppendAudit")
	return x.tx.AppendAudit(ev)
}
func (x spyTx) ListAudit(before string, limit int) ([]*identityv1.AuditEvent, error) {
	return readOne(x, "ListAudit", func() ([]*identityv1.AuditEvent, error) { return x.tx.ListAudit(before, limit) })
}
func (x spyTx) CountAudit() (int, error) { return readOne(x, "CountAudit", x.tx.CountAudit) }
func (x spyTx) DeleteAudit(before string, limit int) (int, error) {
	x.s.call("DeleteAudit")
	return x.tx.DeleteAudit(before, limit)
}

func (x spyTx) TenantTier(tenant string) (string, error) {
	return readOne(x, "TenantTier", func() (string, error) { return x.tx.TenantTier(tenant) })
}
func (x spyTx) PutTenantTier(tenant, tier string) error {
	x.s.call("PutTenantTier")
	return x.tx.PutTenantTier(tenant, tier)
}
func (x spyTx) DeleteTenantTier(tenant string) error {
	x.s.call("DeleteTenantTier")
	return x.tx.DeleteTenantTier(tenant)
}
