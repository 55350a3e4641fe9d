package authz_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/authz"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/subject"
)

// seed writes users and memberships (5 per user, over 2,000 tenants) in
// batches, as a migration or an import would.
func seed(b testing.TB, path string, users int) store.Store {
	b.Helper()
	s, err := store.OpenBolt(path)
	if err != nil {
		b.Fatal(err)
	}
	for start := 0; start < users; start += 1000 {
		err := s.Write(context.Background(), func(tx store.Tx) error {
			for i := start; i < min(start+1000, users); i++ {
				name := fmt.Sprintf("user-%05d", i)
				if err := tx.PutUser(&storagev1.UserRecord{User: &identityv1.User{Name: name}, Revision: 1, Uid: name + "-uid"}); err != nil {
					return err
				}
				for j := range 5 {
					m := &identityv1.Membership{Tenant: fmt.Sprintf("tenant-%04d", (i*7+j*13)%2000), Subject: subject.User(name).String(), Role: identityv1.Role(1 + j%4)}
					if err := tx.PutMembership(&storagev1.MembershipRecord{Membership: m, Revision: 1, SubjectUid: name + "-uid"}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// checkLatencies runs n subject checks from 8 goroutines.
func checkLatencies(b *testing.B, svc *authz.Service, users, n int) []time.Duration {
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			var mine []time.Duration
			for range n / 8 {
				i := rand.IntN(users)
				req := &identityv1.CheckRequest{
					Principal:  &identityv1.CheckRequest_Subject{Subject: fmt.Sprintf("user:user-%05d", i)},
					Tenant:     fmt.Sprintf("tenant-%04d", rand.IntN(2000)),
					Permission: identityv1.Permission_PERMISSION_TENANT_GET,
				}
				start := time.Now()
				if _, err := svc.Check(context.Background(), true, req); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(all)
	return all
}

// BenchmarkCheckAtScale measures Check against 10,000 users with 50,000
// memberships, against the same checks on a store of 10 users, and reports
// the bbolt file size. Run: make bench-identity.
func BenchmarkCheckAtScale(b *testing.B) {
	dir := b.TempDir()
	small := seed(b, filepath.Join(dir, "small.db"), 10)
	defer small.Close()
	large := seed(b, filepath.Join(dir, "large.db"), 10000)
	defer large.Close()
	info, _ := os.Stat(filepath.Join(dir, "large.db"))

	const n = 40000
	base := checkLatencies(b, &authz.Service{Store: small}, 10, n)
	scaled := checkLatencies(b, &authz.Service{Store: large}, 10000, n)
	p := func(l []time.Duration, q float64) time.Duration { return l[int(q*float64(len(l)-1))] }
	b.ReportMetric(float64(p(scaled, 0.99).Microseconds()), "p99-us")
	b.ReportMetric(float64(info.Size())/(1<<20), "db-MiB")
	fmt.Printf("Check in-process, %d checks from 8 goroutines on random users and tenants:\n", n)
	fmt.Printf("  10 users / 50 memberships:          p50 %v  p99 %v\n", p(base, 0.5), p(base, 0.99))
	fmt.Printf("  10,000 users / 50,000 memberships:  p50 %v  p99 %v\n", p(scaled, 0.5), p(scaled, 0.99))
	fmt.Printf("  p99 ratio large / small:            %.2f\n", float64(p(scaled, 0.99))/float64(p(base, 0.99)))
	fmt.Printf("  bbolt file at 10,000 / 50,000:      %.1f MiB\n", float64(info.Size())/(1<<20))
	for b.Loop() {
	}
}
