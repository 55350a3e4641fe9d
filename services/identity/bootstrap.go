package identity

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/identity/internal/users"
)

// BootstrapAdmin is the first platform admin, made on an empty store.
const BootstrapAdmin = "admin"

// bootstrap creates the first platform admin when there are no users, and
// writes its credentials to a 0600 file. The password is never logged.
func bootstrap(ctx context.Context, cfg Config, s store.Store, u *users.Service, log *slog.Logger) error {
	var n int
	if err := s.Read(ctx, func(tx store.Tx) (err error) { n, err = tx.CountUsers(); return err }); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	pw := cfg.BootstrapPassword
	if pw == "" {
		b := make([]byte, 18)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		pw = base64.RawURLEncoding.EncodeToString(b)
	}
	admin := &identityv1.User{Name: BootstrapAdmin, DisplayName: "Platform admin"}
	if _, err := u.Create(ctx, admin, pw, "", true); err != nil {
		return fmt.Errorf("bootstrap admin: %w", err)
	}
	creds := fmt.Sprintf("username: %s\npassword: %s\n", BootstrapAdmin, pw)
	if err := os.WriteFile(cfg.bootstrapPath(), []byte(creds), 0o600); err != nil {
		return err
	}
	log.Info("created the first platform admin", "username", BootstrapAdmin, "credentials_file", cfg.bootstrapPath())
	return nil
}
