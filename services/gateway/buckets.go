package gateway

import (
	"context"
	"net/http"
	"slices"
	"strings"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/internal/roles"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

// verifyFunc checks a bearer token (tokenverify.Verifier.Verify).
type verifyFunc func(ctx context.Context, raw string) (*tokenverify.Claims, error)

// bucketOf is the token bucket a request naming tenant takes from: the
// tenant's own for its members and platform admins (their tokens verified
// here, against identity's keys, as the services do), a second one at the
// same rate for everyone else. So nobody outside a tenant, signed in or
// not, can spend the tenant's requests and lock its members out; outsiders
// only slow each other (and get NOT_FOUND from the services anyway).
func bucketOf(verify verifyFunc) func(r *http.Request, tenant string) string {
	return func(r *http.Request, tenant string) string {
		others := tenant + " (others)" // a space: never part of a tenant name
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || verify == nil {
			return others
		}
		claims, err := verify(r.Context(), strings.TrimSpace(raw))
		if err != nil {
			return others
		}
		if slices.Contains(claims.Groups, roles.PlatformAdminGroup) || roles.InGroups(claims.Groups, tenant) != identityv1.Role_ROLE_UNSPECIFIED {
			return tenant
		}
		return others
	}
}
