package identity_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
)

// peakRSSLimit is identity's documented bound (deploy/security.md) on its
// peak resident memory under 200 parallel SetPassword calls, with the
// default 256 MiB hashing budget. Without the budget, 40 such calls took
// it from 160 MiB to 4 GiB.
const peakRSSLimit = 1 << 30

// costProcess starts the real binary with a bootstrap admin, creates the
// ordinary user "ann" and returns the process, the admin's token and ann's.
func costProcess(t *testing.T, flags ...string) (p *identityProcess, admin, ann context.Context) {
	t.Helper()
	const adminPassword = "bootstrap password for the cost test"
	p = startProcess(t, buildIdentity(t), t.TempDir(), adminPassword, flags...)
	auth := identityv1.NewAuthServiceClient(p.conn)
	resp, err := auth.Login(context.Background(), &identityv1.LoginRequest{Username: identity.BootstrapAdmin, Password: adminPassword})
	if err != nil {
		t.Fatal(err)
	}
	admin = bearer(resp.GetTokens().GetAccessToken())
	if _, err := identityv1.NewUserServiceClient(p.conn).CreateUser(admin, &identityv1.CreateUserRequest{
		User: &identityv1.User{Name: "ann"}, Password: "ann's real password"}); err != nil {
		t.Fatal(err)
	}
	resp, err = auth.Login(context.Background(), &identityv1.LoginRequest{Username: "ann", Password: "ann's real password"})
	if err != nil {
		t.Fatal(err)
	}
	return p, admin, bearer(resp.GetTokens().GetAccessToken())
}

// TestParallelSetPasswordKeepsMemoryBounded floods SetPassword twice, 200
// calls at once each time. First an ordinary user (or a thief with their
// token) guessing the current password: the guesses count against the
// name's lock-out before any hashing, so a few are checked and the rest
// refused with a retry delay. Then a platform admin resetting the password
// 200 times: every new hash goes through identity's one budget, and calls
// beyond it and its queue are refused. Identity's peak RSS stays under
// peakRSSLimit throughout.
func TestParallelSetPasswordKeepsMemoryBounded(t *testing.T) {
	p, admin, ann := costProcess(t)
	before := vmHWM(t, p.cmd.Process.Pid)
	users := identityv1.NewUserServiceClient(p.conn)
	flood := func(caller context.Context, req func(i int) *identityv1.SetPasswordRequest) map[codes.Code]int {
		codesSeen := map[codes.Code]int{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range 200 {
			wg.Go(func() {
				_, err := users.SetPassword(caller, req(i))
				if status.Code(err) == codes.ResourceExhausted && !hasRetryInfo(err) {
					t.Errorf("refused without RetryInfo: %v", err)
				}
				mu.Lock()
				defer mu.Unlock()
				codesSeen[status.Code(err)]++
			})
		}
		wg.Wait()
		return codesSeen
	}
	start := time.Now()
	guesses := flood(ann, func(i int) *identityv1.SetPasswordRequest {
		return &identityv1.SetPasswordRequest{Name: "ann", CurrentPassword: fmt.Sprint("guess ", i), NewPassword: "a brand new password"}
	})
	if guesses[codes.InvalidArgument] != 6 || guesses[codes.ResourceExhausted] != 194 {
		t.Errorf("guesses answered %v: want 6 checked (the lock-out's free ones and the one that locks), 194 refused", guesses)
	}
	resets := flood(admin, func(i int) *identityv1.SetPasswordRequest {
		return &identityv1.SetPasswordRequest{Name: "ann", NewPassword: fmt.Sprint("reset number ", i, " of ann")}
	})
	peak := vmHWM(t, p.cmd.Process.Pid)
	t.Logf("200 guesses %v, then 200 resets %v, in %v; peak RSS %d MiB (%d MiB before)",
		guesses, resets, time.Since(start).Round(time.Millisecond), peak>>20, before>>20)
	// Resets racing each other on the same user: one wins each round, the
	// others lose the optimistic write (ABORTED); beyond the budget, busy.
	if resets[codes.OK] == 0 || resets[codes.OK]+resets[codes.Aborted]+resets[codes.ResourceExhausted] != 200 || resets[codes.ResourceExhausted] == 0 {
		t.Errorf("resets answered %v: want some done, some refused as busy, the rest aborted by a concurrent reset", resets)
	}
	if peak >= peakRSSLimit {
		t.Errorf("peak RSS %d MiB, want under %d MiB", peak>>20, peakRSSLimit>>20)
	}
	// Still serving.
	if _, err := identityv1.NewAuthServiceClient(p.conn).WhoAmI(admin, &identityv1.WhoAmIRequest{}); err != nil {
		t.Errorf("WhoAmI after the floods: %v", err)
	}
}

// TestParallelWrongLoginsAreAllCountedByTheBinary: 2,000 parallel wrong
// logins for one account (the per-address limit off, as if from many
// addresses). Each is counted before any hashing: the account's rate limit
// and the lock-out refuse all but the six the lock-out lets through, the
// right password is then refused too, and the audit log's summaries
// account for all 2,000 in a handful of events.
func TestParallelWrongLoginsAreAllCountedByTheBinary(t *testing.T) {
	p, _, _ := costProcess(t, "--signin-rate-per-address", "0", "--audit-flush-every", "1s")
	auth := identityv1.NewAuthServiceClient(p.conn)
	codesSeen := map[codes.Code]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 2000 {
		wg.Go(func() {
			_, err := auth.Login(context.Background(), &identityv1.LoginRequest{Username: "ann", Password: fmt.Sprint("guess ", i)})
			if status.Code(err) == codes.ResourceExhausted && !hasRetryInfo(err) {
				t.Errorf("refused without RetryInfo: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			codesSeen[status.Code(err)]++
		})
	}
	wg.Wait()
	t.Logf("2,000 parallel wrong logins: %v", codesSeen)
	if codesSeen[codes.Unauthenticated] != 6 || codesSeen[codes.ResourceExhausted] != 1994 {
		t.Errorf("answers %v: want 6 checked (UNAUTHENTICATED), 1,994 refused (RESOURCE_EXHAUSTED)", codesSeen)
	}
	_, err := auth.Login(context.Background(), &identityv1.LoginRequest{Username: "ann", Password: "ann's real password"})
	code(t, err, codes.ResourceExhausted, "the right password during the lock")

	// The admin reads the log: the failed logins of ann are summaries.
	resp, err := auth.Login(context.Background(), &identityv1.LoginRequest{Username: identity.BootstrapAdmin, Password: "bootstrap password for the cost test"})
	if err != nil {
		t.Fatal(err)
	}
	adminCtx := bearer(resp.GetTokens().GetAccessToken())
	devclustertest.Eventually(t, 10*time.Second, func() error {
		log, err := identityv1.NewAuditServiceClient(p.conn).ListAuditEvents(adminCtx, &identityv1.ListAuditEventsRequest{PageSize: 1000})
		if err != nil {
			return err
		}
		var calls, events int64
		for _, ev := range log.GetEvents() {
			if ev.GetMethod() == identityv1.AuthService_Login_FullMethodName && ev.GetResource() == "users/ann" && ev.GetCode() != "OK" {
				calls += max(1, ev.GetCount())
				events++
			}
		}
		if calls != 2001 {
			return fmt.Errorf("audit log counts %d failed logins of ann in %d events, want 2,001", calls, events)
		}
		if events > 50 { // a few per second of flood, whatever its rate
			t.Errorf("%d audit events for 2,001 failed logins, want at most 50", events)
		}
		return nil
	})
}

// vmHWM is a process's peak resident memory, from /proc.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}
