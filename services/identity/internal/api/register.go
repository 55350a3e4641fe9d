package api

import (
	"google.golang.org/grpc"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/apikeys"
	"github.com/landlord-dev/landlord/services/identity/internal/audit"
	"github.com/landlord-dev/landlord/services/identity/internal/auth"
	"github.com/landlord-dev/landlord/services/identity/internal/authz"
	"github.com/landlord-dev/landlord/services/identity/internal/device"
	"github.com/landlord-dev/landlord/services/identity/internal/groups"
	"github.com/landlord-dev/landlord/services/identity/internal/keys"
	"github.com/landlord-dev/landlord/services/identity/internal/memberships"
	"github.com/landlord-dev/landlord/services/identity/internal/serviceaccounts"
	"github.com/landlord-dev/landlord/services/identity/internal/users"
)

// Domain is the domain services behind identity's handlers.
type Domain struct {
	Users           *users.Service
	Memberships     *memberships.Service
	Auth            *auth.Service
	ApiKeys         *apikeys.Service
	Keys            *keys.Manager
	Groups          *groups.Service
	ServiceAccounts *serviceaccounts.Service
	Audit           *audit.Log
	Authz           *authz.Service
	Device          *device.Pending
}

// Register serves every identity API on r.
func Register(r grpc.ServiceRegistrar, d Domain) {
	identityv1.RegisterUserServiceServer(r, &UserServer{Users: d.Users})
	identityv1.RegisterPlatformAdminServiceServer(r, &PlatformAdminServer{Users: d.Users})
	identityv1.RegisterMembershipServiceServer(r, &MembershipServer{Memberships: d.Memberships})
	identityv1.RegisterAuthServiceServer(r, &AuthServer{Auth: d.Auth, ApiKeys: d.ApiKeys, Device: d.Device})
	identityv1.RegisterApiKeyServiceServer(r, &ApiKeyServer{ApiKeys: d.ApiKeys})
	identityv1.RegisterSigningKeyServiceServer(r, &SigningKeyServer{Keys: d.Keys})
	identityv1.RegisterGroupServiceServer(r, &GroupServer{Groups: d.Groups})
	identityv1.RegisterServiceAccountServiceServer(r, &ServiceAccountServer{ServiceAccounts: d.ServiceAccounts})
	identityv1.RegisterAuditServiceServer(r, &AuditServer{Log: d.Audit})
	identityv1.RegisterAuthorizationServiceServer(r, &AuthorizationServer{Authz: d.Authz})
}
