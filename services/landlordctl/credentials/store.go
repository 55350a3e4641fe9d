// Package credentials keeps landlordctl's tokens on disk: one file,
// readable by its owner only (0600), replaced atomically, and refreshed
// under an exclusive file lock so that parallel kubectl runs (each
// calling `landlordctl token`) spend a refresh token once, not once each:
// identity rotates refresh tokens, so a second concurrent refresh with
// the same token would fail or revoke the session.
package credentials

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// ErrNotLoggedIn is returned when there are no stored tokens.
var ErrNotLoggedIn = errors.New("not logged in: run `landlordctl login`")

// Tokens are a session's tokens as identity issued them.
type Tokens struct {
	AccessToken   string    `json:"accessToken"`
	AccessExpiry  time.Time `json:"accessExpiry"`
	RefreshToken  string    `json:"refreshToken,omitempty"`
	RefreshExpiry time.Time `json:"refreshExpiry,omitzero"`
}

// String never shows a token: Tokens end up in %v of errors and logs.
func (t Tokens) String() string {
	return fmt.Sprintf("Tokens{access expires %s}", t.AccessExpiry.Format(time.RFC3339))
}

// FreshFor reports whether the access token stays valid for at least d.
func (t *Tokens) FreshFor(d time.Duration, now time.Time) bool {
	return t != nil && t.AccessToken != "" && now.Add(d).Before(t.AccessExpiry)
}

// Store is the credentials file in Dir.
type Store struct{ Dir string }

func (s Store) path() string { return filepath.Join(s.Dir, "credentials.json") }

// Load reads the stored tokens; ErrNotLoggedIn if there are none.
func (s Store) Load() (*Tokens, error) {
	data, err := os.ReadFile(s.path())
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotLoggedIn
	}
	if err != nil {
		return nil, err
	}
	t := &Tokens{}
	if err := json.Unmarshal(data, t); err != nil {
		return nil, fmt.Errorf("credentials file %s is corrupt; log in again", s.path())
	}
	return t, nil
}

// Save replaces the stored tokens: written to a 0600 temporary file in
// the same directory, then renamed, so a reader never sees half a file.
func (s Store) Save(t *Tokens) error {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return err
	}
	data, err := json.Marshal(t)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(s.Dir, ".credentials-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after a successful rename there is nothing to remove
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), s.path())
}

// Delete forgets the stored tokens.
func (s Store) Delete() error {
	if err := os.Remove(s.path()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
