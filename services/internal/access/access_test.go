package access_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"google.golang.org/grpc/peer"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/internal/access"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/authn"
	"github.com/landlord-dev/landlord/services/internal/roles"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

// A request naming a tenant and a user, as most of Landlord's do.
type request struct{ tenant, user string }

func (r *request) GetTenant() string { return r.tenant }
func (r *request) GetUser() string   { return r.user }

func as(subject string, groups ...string) context.Context {
	return authn.WithClaims(context.Background(), &tokenverify.Claims{Subject: subject, Groups: groups})
}

var (
	update = access.InTenant(identityv1.Permission_PERMISSION_TENANT_UPDATE, (*request).GetTenant)
	self   = access.Self((*request).GetUser)
)

func TestTenantRoleRulesFollowTheRoleMatrix(t *testing.T) {
	table := &access.Table{}
	acme := &request{tenant: "acme"}
	cases := []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"tenant admin", as("user:a", roles.TenantGroup("acme", identityv1.Role_ROLE_ADMIN)), nil},
		{"tenant owner", as("user:o", roles.TenantGroup("acme", identityv1.Role_ROLE_OWNER)), nil},
		{"platform admin with no role", as("user:p", roles.PlatformAdminGroup), nil},
		{"tenant editor", as("user:e", roles.TenantGroup("acme", identityv1.Role_ROLE_EDITOR)), apierror.ErrPermissionDenied},
		{"admin of another tenant", as("user:x", roles.TenantGroup("acme-corp", identityv1.Role_ROLE_ADMIN)), apierror.ErrPermissionDenied},
		{"no roles", as("user:n"), apierror.ErrPermissionDenied},
		{"not authenticated", context.Background(), apierror.ErrUnauthenticated},
	}
	for _, c := range cases {
		err := table.AdmitsCaller(c.ctx, update)
		if err == nil {
			err = table.AdmitsRequest(c.ctx, update, acme)
		}
		if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func TestHiddenTenantsAreNotFoundOnlyToCallersWithoutARole(t *testing.T) {
	table := &access.Table{HideTenants: true}
	acme := &request{tenant: "acme"}
	if err := table.AdmitsRequest(as("user:n"), update, acme); !errors.Is(err, apierror.ErrNotFound) {
		t.Errorf("no role: %v, want NOT_FOUND", err)
	}
	viewer := as("user:v", roles.TenantGroup("acme", identityv1.Role_ROLE_VIEWER))
	if err := table.AdmitsRequest(viewer, update, acme); !errors.Is(err, apierror.ErrPermissionDenied) {
		t.Errorf("viewer: %v, want PERMISSION_DENIED (it knows the tenant)", err)
	}
}

// stored gives roles from a lookup, as identity does from its store.
type stored map[string]identityv1.Role

func (s stored) RoleIn(_ context.Context, c access.Principal, tenant string) (identityv1.Role, error) {
	return s[c.Subject+"@"+tenant], nil
}

func TestRolesComeFromTheTablesSource(t *testing.T) {
	table := &access.Table{Roles: stored{"user:a@acme": identityv1.Role_ROLE_ADMIN}}
	// The token says owner; the source (fresher) says nothing.
	stale := as("user:b", roles.TenantGroup("acme", identityv1.Role_ROLE_OWNER))
	if err := table.AdmitsRequest(stale, update, &request{tenant: "acme"}); !errors.Is(err, apierror.ErrPermissionDenied) {
		t.Errorf("role only in the token: %v, want PERMISSION_DENIED", err)
	}
	if err := table.AdmitsRequest(as("user:a"), update, &request{tenant: "acme"}); err != nil {
		t.Errorf("role in the source: %v", err)
	}
}

func TestSelfRulesAdmitTheSubjectAndPlatformAdmins(t *testing.T) {
	table := &access.Table{}
	alice := &request{user: "user:alice"}
	if err := table.AdmitsRequest(as("user:alice"), self, alice); err != nil {
		t.Errorf("alice on herself: %v", err)
	}
	if err := table.AdmitsRequest(as("user:root", roles.PlatformAdminGroup), self, alice); err != nil {
		t.Errorf("platform admin on alice: %v", err)
	}
	if err := table.AdmitsRequest(as("user:bob"), self, alice); !errors.Is(err, apierror.ErrNotFound) {
		t.Errorf("bob on alice: %v, want NOT_FOUND", err)
	}
}

func TestPlatformAdminRulesRefuseEveryoneElse(t *testing.T) {
	table := &access.Table{}
	owner := as("user:o", roles.TenantGroup("acme", identityv1.Role_ROLE_OWNER))
	if err := table.AdmitsCaller(owner, access.Admin()); !errors.Is(err, apierror.ErrPermissionDenied) {
		t.Errorf("tenant owner on an admin method: %v", err)
	}
	if err := table.AdmitsCaller(as("user:p", roles.PlatformAdminGroup), access.Admin()); err != nil {
		t.Errorf("platform admin: %v", err)
	}
	if err := table.AdmitsCaller(context.Background(), access.Anyone()); err != nil {
		t.Errorf("public method without credentials: %v", err)
	}
}

func TestMissingListsMethodsWithoutARow(t *testing.T) {
	table := &access.Table{Rules: map[string]access.Rule{"/a.S/M": access.AnyCaller()}}
	got := table.Missing([]string{"/a.S/M", "/a.S/N"})
	if len(got) != 1 || got[0] != "/a.S/N" {
		t.Errorf("Missing = %v, want [/a.S/N]", got)
	}
}

func TestInternalRulesRefuseCallersWithoutAServiceCertificate(t *testing.T) {
	table := &access.Table{}
	internal := access.Internal("provisioning")
	// A platform admin's token is not a service's certificate.
	if err := table.AdmitsCaller(as("user:p", roles.PlatformAdminGroup), internal); !errors.Is(err, apierror.ErrPermissionDenied) {
		t.Errorf("platform admin on an internal method: %v, want PERMISSION_DENIED", err)
	}
	if err := table.AdmitsCaller(context.Background(), internal); !errors.Is(err, apierror.ErrPermissionDenied) {
		t.Errorf("anonymous on an internal method: %v, want PERMISSION_DENIED", err)
	}
}

func TestLocalToolsNeedNoTokenOnlyOnLoopback(t *testing.T) {
	table := &access.Table{}
	from := func(ip string) context.Context {
		return peer.NewContext(context.Background(), &peer.Peer{Addr: &net.TCPAddr{IP: net.ParseIP(ip), Port: 5000}})
	}
	if err := table.AdmitsCaller(from("127.0.0.1"), access.LocalOrCaller()); err != nil {
		t.Errorf("loopback without a token: %v", err)
	}
	if err := table.AdmitsCaller(from("10.0.0.7"), access.LocalOrCaller()); !errors.Is(err, apierror.ErrUnauthenticated) {
		t.Errorf("remote without a token: %v, want UNAUTHENTICATED", err)
	}
}
