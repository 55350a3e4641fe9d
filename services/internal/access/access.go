// Package access is the authorization table of a Landlord service: for each
// gRPC method, who may call it and whether the call is audited. Every
// service declares one Table beside its handlers; grpcmw.Access enforces it
// for every call, and the server refuses to start if a registered method has
// no row. Rules that need stored state (owners are protected, only platform
// admins change plans) stay in the domain code, named as such.
package access

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/authn"
	"github.com/landlord-dev/landlord/services/internal/roles"
)

// Who is the kind of caller a method admits.
type Who int

const (
	// Public methods need no credentials: they are how a caller gets some,
	// or what probes and tools use (health, reflection, GetInfo).
	Public Who = iota + 1
	// Authenticated admits any verified caller; what each one sees or may
	// change is decided by the rules the domain code names.
	Authenticated
	// PlatformAdmin admits platform admins only.
	PlatformAdmin
	// TenantRole admits callers whose role in the tenant the request names
	// holds the rule's Permission (platform admins hold every permission).
	TenantRole
	// SelfOrPlatformAdmin admits the subject the request names, and
	// platform admins; to anyone else that subject does not exist.
	SelfOrPlatformAdmin
	// LocalOrAuthenticated admits callers on the server's own machine
	// (loopback) without credentials, and authenticated callers from
	// anywhere: tools like reflection, useful locally, not a public map.
	LocalOrAuthenticated
	// LandlordService admits only the named Landlord services, identified
	// by the client certificate they present over mutual TLS (no token).
	LandlordService
)

// Rule is one row of a Table.
type Rule struct {
	Who Who
	// Permission is what TenantRole requires.
	Permission identityv1.Permission
	// Target finds the tenant (TenantRole) or the subject
	// (SelfOrPlatformAdmin) in the request.
	Target func(req any) string
	// Optional admits a request that names no target (e.g. a watch of every
	// tenant the caller sees) on authentication alone.
	Optional bool
	// Services are the Landlord services a LandlordService rule admits.
	Services []string
	// Audit records every call, allowed or refused, in the audit log.
	Audit bool
}

// Audited is r with every call recorded.
func (r Rule) Audited() Rule {
	r.Audit = true
	return r
}

// Anyone admits every caller, with or without credentials.
func Anyone() Rule { return Rule{Who: Public} }

// AnyCaller admits any authenticated caller.
func AnyCaller() Rule { return Rule{Who: Authenticated} }

// LocalOrCaller admits loopback callers, and authenticated ones.
func LocalOrCaller() Rule { return Rule{Who: LocalOrAuthenticated} }

// Admin admits platform admins only.
func Admin() Rule { return Rule{Who: PlatformAdmin} }

// Internal admits only the named Landlord services, over mutual TLS.
func Internal(services ...string) Rule { return Rule{Who: LandlordService, Services: services} }

// InTenant admits callers holding p in the tenant that tenant(req) names.
func InTenant[R any](p identityv1.Permission, tenant func(R) string) Rule {
	return Rule{Who: TenantRole, Permission: p, Target: target(tenant)}
}

// InTenantIfNamed is InTenant for a request that may name no tenant, in
// which case the handler shows only what the caller may see.
func InTenantIfNamed[R any](p identityv1.Permission, tenant func(R) string) Rule {
	r := InTenant(p, tenant)
	r.Optional = true
	return r
}

// Self admits the subject that subject(req) names, and platform admins.
func Self[R any](subject func(R) string) Rule {
	return Rule{Who: SelfOrPlatformAdmin, Target: target(subject)}
}

func target[R any](get func(R) string) func(any) string {
	return func(req any) string {
		r, ok := req.(R)
		if !ok {
			return ""
		}
		return get(r)
	}
}

// Roles finds a caller's role in a tenant.
type Roles interface {
	RoleIn(ctx context.Context, c Principal, tenant string) (identityv1.Role, error)
}

// TokenRoles reads roles from the caller's token groups: no lookup per
// call, and a role change applies with the caller's next token.
type TokenRoles struct{}

func (TokenRoles) RoleIn(_ context.Context, c Principal, tenant string) (identityv1.Role, error) {
	return roles.InGroups(c.Groups, tenant), nil
}

// Table is a service's authorization: one Rule per gRPC method.
type Table struct {
	Rules map[string]Rule
	// Roles resolves TenantRole rules (default TokenRoles).
	Roles Roles
	// HideTenants answers NOT_FOUND, as if the tenant did not exist, to a
	// caller with no role in it; otherwise PERMISSION_DENIED. Either way
	// the answer does not depend on whether the tenant exists.
	HideTenants bool
}

// Rule is the row of method; ok is false for a method without one, which
// is refused.
func (t *Table) Rule(method string) (Rule, bool) {
	r, ok := t.Rules[method]
	return r, ok
}

// Missing returns the methods that have no row, of those given.
func (t *Table) Missing(methods []string) []string {
	var out []string
	for _, m := range methods {
		if _, ok := t.Rules[m]; !ok {
			out = append(out, m)
		}
	}
	return out
}

// AdmitsCaller is the check before the request is read: authentication has
// run (unless Public) and PlatformAdmin rules are applied.
func (t *Table) AdmitsCaller(ctx context.Context, r Rule) error {
	switch {
	case r.Who == Public, r.Who == LocalOrAuthenticated && Loopback(ctx):
		return nil
	case r.Who == LandlordService:
		if name, ok := PeerService(ctx); ok && slices.Contains(r.Services, name) {
			return nil
		}
		return fmt.Errorf("only Landlord's %v services call this, with their client certificates: %w", r.Services, apierror.ErrPermissionDenied)
	}
	c, err := From(ctx)
	if err != nil {
		return err
	}
	if r.Who == PlatformAdmin && !c.PlatformAdmin {
		return fmt.Errorf("platform admins only: %w", apierror.ErrPermissionDenied)
	}
	return nil
}

// AdmitsRequest is the check on the (valid) request: TenantRole and
// SelfOrPlatformAdmin rules.
func (t *Table) AdmitsRequest(ctx context.Context, r Rule, req any) error {
	if r.Who != TenantRole && r.Who != SelfOrPlatformAdmin {
		return nil
	}
	c, err := From(ctx)
	if err != nil {
		return err
	}
	name := r.Target(req)
	if name == "" && r.Optional {
		return nil
	}
	if r.Who == SelfOrPlatformAdmin {
		if c.PlatformAdmin || c.Subject == name {
			return nil
		}
		return fmt.Errorf("%s: %w", name, apierror.ErrNotFound)
	}
	if c.PlatformAdmin {
		return nil
	}
	source := t.Roles
	if source == nil {
		source = TokenRoles{}
	}
	role, err := source.RoleIn(ctx, c, name)
	if err != nil {
		return err
	}
	switch {
	case roles.Allowed(false, role, r.Permission):
		return nil
	case role == identityv1.Role_ROLE_UNSPECIFIED && t.HideTenants:
		return fmt.Errorf("tenant %q: %w", name, apierror.ErrNotFound)
	}
	return fmt.Errorf("%s on tenant %q needs a role you do not hold: %w", r.Permission, name, apierror.ErrPermissionDenied)
}

// ServiceURI is the URI a Landlord service's client certificate carries as
// its subject alternative name: "spiffe://landlord/service/<name>".
func ServiceURI(name string) string { return servicePrefix + name }

const servicePrefix = "spiffe://landlord/service/"

// PeerService is the Landlord service the call's peer proved to be with a
// client certificate that the server verified against its client CA.
func PeerService(ctx context.Context) (string, bool) {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return "", false
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.VerifiedChains) == 0 || len(info.State.VerifiedChains[0]) == 0 {
		return "", false
	}
	for _, uri := range info.State.VerifiedChains[0][0].URIs {
		if name, ok := strings.CutPrefix(uri.String(), servicePrefix); ok && name != "" {
			return name, true
		}
	}
	return "", false
}

// Loopback reports whether the call comes from the server's own machine.
func Loopback(ctx context.Context) bool {
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return false
	}
	ap, err := netip.ParseAddrPort(p.Addr.String())
	return err == nil && ap.Addr().IsLoopback()
}

// Principal is the authenticated caller, as its token describes it.
type Principal struct {
	Subject       string
	PlatformAdmin bool
	Groups        []string
}

// From is the authenticated caller of the call in ctx.
func From(ctx context.Context) (Principal, error) {
	claims, err := authn.Claims(ctx)
	if err != nil {
		return Principal{}, err
	}
	return Principal{Subject: claims.Subject, Groups: claims.Groups,
		PlatformAdmin: slices.Contains(claims.Groups, roles.PlatformAdminGroup)}, nil
}

// May reports whether the caller's token holds p in tenant.
func (c Principal) May(tenant string, p identityv1.Permission) bool {
	return roles.Allowed(c.PlatformAdmin, roles.InGroups(c.Groups, tenant), p)
}
