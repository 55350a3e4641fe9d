// Package api holds identity's gRPC handlers. Who may call each method is
// in one table (access.go), which the server enforces before a handler
// runs; each handler translates its request and calls one domain package.
package api

import (
	"context"

	"github.com/landlord-dev/landlord/services/identity/internal/memberships"
	"github.com/landlord-dev/landlord/services/internal/access"
)

// caller is the authenticated caller, for the domain rules that depend on
// who asks.
func caller(ctx context.Context) (memberships.Caller, error) {
	p, err := access.From(ctx)
	if err != nil {
		return memberships.Caller{}, err
	}
	return memberships.Caller{Subject: p.Subject, PlatformAdmin: p.PlatformAdmin}, nil
}
