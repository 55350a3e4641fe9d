package credentials

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSaveIsOwnerOnly(t *testing.T) {
	s := Store{Dir: filepath.Join(t.TempDir(), "landlord")}
	if err := s.Save(&Tokens{AccessToken: "a", AccessExpiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(s.Dir, "credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials mode = %v, want 0600", fi.Mode().Perm())
	}
	if di, _ := os.Stat(s.Dir); di.Mode().Perm() != 0o700 {
		t.Errorf("dir mode = %v, want 0700", di.Mode().Perm())
	}
	got, err := s.Load()
	if err != nil || got.AccessToken != "a" {
		t.Fatalf("Load = %v, %v", got, err)
	}
}

func TestTokensNeverPrinted(t *testing.T) {
	tok := Tokens{AccessToken: "secret-access", RefreshToken: "secret-refresh"}
	for _, s := range []string{fmt.Sprint(tok), fmt.Sprintf("%v %+v", &tok, tok)} {
		if strings.Contains(s, "secret") {
			t.Errorf("printed tokens: %s", s)
		}
	}
}

func TestLoadWithoutLogin(t *testing.T) {
	if _, err := (Store{Dir: t.TempDir()}).Load(); !errors.Is(err, ErrNotLoggedIn) {
		t.Errorf("Load = %v, want ErrNotLoggedIn", err)
	}
}

// TestFreshRefreshesOnceUnderConcurrency: many parallel `token` calls
// with an expiring access token spend the refresh token once.
func TestFreshRefreshesOnceUnderConcurrency(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	if err := s.Save(&Tokens{AccessToken: "old", AccessExpiry: time.Now().Add(10 * time.Second), RefreshToken: "r1"}); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	refresh := func(_ context.Context, rt string) (*Tokens, error) {
		calls.Add(1)
		if rt != "r1" {
			return nil, fmt.Errorf("refresh token %q reused or unknown", rt)
		}
		time.Sleep(50 * time.Millisecond) // a slow identity widens the race
		return &Tokens{AccessToken: "new", AccessExpiry: time.Now().Add(15 * time.Minute), RefreshToken: "r2"}, nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			tok, err := s.Fresh(context.Background(), time.Minute, refresh)
			if err == nil && tok.AccessToken != "new" {
				err = fmt.Errorf("got access token %q", tok.AccessToken)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("refresh called %d times, want 1", n)
	}
	if fi, _ := os.Stat(filepath.Join(s.Dir, "credentials.json")); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after refresh = %v", fi.Mode().Perm())
	}
}

func TestFreshKeepsValidToken(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	_ = s.Save(&Tokens{AccessToken: "a", AccessExpiry: time.Now().Add(time.Hour), RefreshToken: "r"})
	tok, err := s.Fresh(context.Background(), time.Minute, func(context.Context, string) (*Tokens, error) {
		t.Error("refreshed a valid token")
		return nil, errors.New("no")
	})
	if err != nil || tok.AccessToken != "a" {
		t.Errorf("Fresh = %v, %v", tok, err)
	}
}

func TestFreshExpiredSession(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	_ = s.Save(&Tokens{AccessToken: "a", AccessExpiry: time.Now(), RefreshToken: "r", RefreshExpiry: time.Now().Add(-time.Second)})
	if _, err := s.Fresh(context.Background(), time.Minute, nil); err == nil || !strings.Contains(err.Error(), "login") {
		t.Errorf("Fresh = %v, want a hint to log in", err)
	}
}

func TestRenewRefreshesAValidToken(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	_ = s.Save(&Tokens{AccessToken: "old", AccessExpiry: time.Now().Add(time.Hour), RefreshToken: "r"})
	tok, err := s.Renew(context.Background(), func(_ context.Context, refresh string) (*Tokens, error) {
		if refresh != "r" {
			t.Errorf("refreshed with %q", refresh)
		}
		return &Tokens{AccessToken: "new", AccessExpiry: time.Now().Add(time.Hour), RefreshToken: "r2"}, nil
	})
	if err != nil || tok.AccessToken != "new" {
		t.Fatalf("Renew = %v, %v", tok, err)
	}
	if stored, _ := s.Load(); stored.AccessToken != "new" || stored.RefreshToken != "r2" {
		t.Errorf("stored %v, want the renewed session", stored)
	}
}
