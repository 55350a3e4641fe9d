package credentials

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// RefreshFunc trades a refresh token for a new session.
type RefreshFunc func(ctx context.Context, refreshToken string) (*Tokens, error)

// Fresh returns tokens whose access token stays valid for at least
// margin, refreshing them with refresh if needed. The check and the
// refresh happen under an exclusive lock on a lock file, and the file is
// read again once the lock is held: whoever waited behind a refresh uses
// its result instead of refreshing again.
func (s Store) Fresh(ctx context.Context, margin time.Duration, refresh RefreshFunc) (*Tokens, error) {
	if t, err := s.Load(); err != nil || t.FreshFor(margin, time.Now()) {
		return t, err // the common case needs no lock
	}
	return s.refreshLocked(ctx, func(t *Tokens) bool { return t.FreshFor(margin, time.Now()) }, refresh)
}

// Renew refreshes the session now, however long its access token is
// still valid: a token carries the tenant roles of when it was issued, and
// a caller that just got a new role wants a token that has it.
func (s Store) Renew(ctx context.Context, refresh RefreshFunc) (*Tokens, error) {
	return s.refreshLocked(ctx, func(*Tokens) bool { return false }, refresh)
}

// refreshLocked refreshes the stored tokens under the lock unless good
// says those read once the lock is held will do.
func (s Store) refreshLocked(ctx context.Context, good func(*Tokens) bool, refresh RefreshFunc) (*Tokens, error) {
	unlock, err := s.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	t, err := s.Load()
	if err != nil || good(t) {
		return t, err
	}
	if t.RefreshToken == "" || (!t.RefreshExpiry.IsZero() && time.Now().After(t.RefreshExpiry)) {
		return nil, errors.New("session expired: run `landlordctl login`")
	}
	nt, err := refresh(ctx, t.RefreshToken)
	if err != nil {
		return nil, err
	}
	return nt, s.Save(nt)
}

// lock takes an exclusive flock on Dir/credentials.lock, polling so that
// ctx can end the wait. flock locks belong to the open file, so two
// goroutines of one process exclude each other as two processes do.
func (s Store) lock(ctx context.Context) (func(), error) {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(s.Dir, "credentials.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() { _ = unix.Flock(int(f.Fd()), unix.LOCK_UN); f.Close() }, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
