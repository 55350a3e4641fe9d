package cli

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/landlordctl/config"
	creds "github.com/landlord-dev/landlord/services/landlordctl/credentials"
)

// refreshMargin: a token with less life left is refreshed first, so it
// does not expire between our check and the server's.
const refreshMargin = time.Minute

func (a *app) config() (config.Config, error) {
	if a.cfg == nil {
		c, err := config.Load(a.dir)
		if err != nil {
			return c, err
		}
		a.cfg = &c
	}
	return *a.cfg, nil
}

func (a *app) store() creds.Store { return creds.Store{Dir: a.dir} }

// dial connects to addr over TLS, trusting the configured Landlord CA.
func (a *app) dial(addr string) (*grpc.ClientConn, error) {
	if c := a.conns[addr]; c != nil {
		return c, nil
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	tlsCfg, err := certs.Client(certs.Files{CA: cfg.CA})
	if err != nil {
		return nil, fmt.Errorf("Landlord CA %s: %w (pass --ca to login)", cfg.CA, err)
	}
	c, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)))
	if err != nil {
		return nil, err
	}
	a.conns[addr] = c
	return c, nil
}

func (a *app) identity() (*grpc.ClientConn, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	return a.dial(cfg.Identity)
}

// tokens returns the session's tokens, refreshed if they are about to
// expire.
func (a *app) tokens(ctx context.Context) (*creds.Tokens, error) {
	return a.store().Fresh(ctx, refreshMargin, a.refresh)
}

func (a *app) refresh(ctx context.Context, refreshToken string) (*creds.Tokens, error) {
	conn, err := a.identity()
	if err != nil {
		return nil, err
	}
	resp, err := identityv1.NewAuthServiceClient(conn).Refresh(ctx, &identityv1.RefreshRequest{RefreshToken: refreshToken})
	if err != nil {
		return nil, err // as is: wrapping would bury the gRPC code errmap prints
	}
	return fromTokenSet(resp.GetTokens()), nil
}

func fromTokenSet(t *identityv1.TokenSet) *creds.Tokens {
	return &creds.Tokens{
		AccessToken: t.GetAccessToken(), AccessExpiry: t.GetAccessTokenExpireTime().AsTime(),
		RefreshToken: t.GetRefreshToken(), RefreshExpiry: t.GetRefreshTokenExpireTime().AsTime(),
	}
}

// authed is ctx carrying a fresh access token.
func (a *app) authed(ctx context.Context) (context.Context, error) {
	t, err := a.tokens(ctx)
	if err != nil {
		return nil, err
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+t.AccessToken), nil
}

// service dials the service whose address pick takes from the config and
// returns an authenticated context for calling it.
func (a *app) service(ctx context.Context, pick func(config.Config) string) (context.Context, *grpc.ClientConn, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, nil, err
	}
	conn, err := a.dial(pick(cfg))
	if err != nil {
		return nil, nil, err
	}
	actx, err := a.authed(ctx)
	return actx, conn, err
}
