package api

import (
	"context"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/memberships"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/access"
	"github.com/landlord-dev/landlord/services/internal/subject"
)

// Access is identity's authorization table: who may call each method, and
// which calls the audit log records (everything that changes state or signs
// someone in or out, refused calls included). The rules the table cannot
// state, because they need stored state, live in the domain packages:
//
//   - memberships: owner memberships are managed by owners only
//     (memberships.mayManage);
//   - apikeys: a key is revoked by its owner or a platform admin
//     (apikeys.ownerOrPlatformAdmin, on the stored key's owner), and made
//     only with a token from a recent password login (auth_time within
//     apikeys.Service.FreshAuth);
//   - authz: checking another subject is for platform admins;
//   - users: platform admins do not delete themselves (DeleteUser).
//
// And before any of it, a token counts only while its subject's record is
// the one it was issued to (CurrentSubjects).
func Access(st store.Store) *access.Table {
	return &access.Table{
		// Tenant roles are read from the store, not the token: membership
		// changes apply to the next call, and a tenant a caller has no
		// role in does not exist for it.
		Roles:       storedRoles{st},
		HideTenants: true,
		Rules: map[string]access.Rule{
			identityv1.AuthService_Login_FullMethodName:          access.Anyone().Audited(),
			identityv1.AuthService_Refresh_FullMethodName:        access.Anyone().Audited(),
			identityv1.AuthService_Logout_FullMethodName:         access.Anyone().Audited(),
			identityv1.AuthService_ExchangeApiKey_FullMethodName: access.Anyone().Audited(),
			identityv1.AuthService_WhoAmI_FullMethodName:         access.AnyCaller(),
			// Device logins: starting one signs no one in and writes
			// nothing; approving is a signed-in user's (a session's, not an
			// API key's: AuthServer.ApproveDeviceLogin); a poll that
			// redeems one is recorded with the user it signed in.
			identityv1.AuthService_StartDeviceLogin_FullMethodName:   access.Anyone(),
			identityv1.AuthService_ApproveDeviceLogin_FullMethodName: access.AnyCaller().Audited(),
			identityv1.AuthService_PollDeviceLogin_FullMethodName:    access.Anyone().Audited(),

			identityv1.UserService_CreateUser_FullMethodName:  access.Admin().Audited(),
			identityv1.UserService_GetUser_FullMethodName:     access.Self(func(r *identityv1.GetUserRequest) string { return userSubject(r.GetName()) }),
			identityv1.UserService_ListUsers_FullMethodName:   access.Admin(),
			identityv1.UserService_UpdateUser_FullMethodName:  access.Admin().Audited(),
			identityv1.UserService_DeleteUser_FullMethodName:  access.Admin().Audited(),
			identityv1.UserService_SetPassword_FullMethodName: access.Self(func(r *identityv1.SetPasswordRequest) string { return userSubject(r.GetName()) }).Audited(),

			identityv1.PlatformAdminService_GrantPlatformAdmin_FullMethodName:  access.Admin().Audited(),
			identityv1.PlatformAdminService_RevokePlatformAdmin_FullMethodName: access.Admin().Audited(),
			identityv1.PlatformAdminService_ListPlatformAdmins_FullMethodName:  access.Admin(),

			identityv1.MembershipService_SetMembership_FullMethodName: access.InTenant(identityv1.Permission_PERMISSION_MEMBERSHIPS_MANAGE,
				func(r *identityv1.SetMembershipRequest) string { return r.GetMembership().GetTenant() }).Audited(),
			identityv1.MembershipService_DeleteMembership_FullMethodName: access.InTenant(identityv1.Permission_PERMISSION_MEMBERSHIPS_MANAGE,
				(*identityv1.DeleteMembershipRequest).GetTenant).Audited(),
			identityv1.MembershipService_ListMemberships_FullMethodName: access.InTenant(identityv1.Permission_PERMISSION_TENANT_GET,
				(*identityv1.ListMembershipsRequest).GetTenant),
			// Provisioning, when it deletes a tenant; never a user.
			identityv1.MembershipService_DeleteTenantMemberships_FullMethodName: access.Internal("provisioning").Audited(),
			identityv1.MembershipService_SetTenantTiers_FullMethodName:          access.Internal("provisioning"),

			identityv1.ApiKeyService_CreateApiKey_FullMethodName: access.Self(func(r *identityv1.CreateApiKeyRequest) string { return r.GetApiKey().GetOwner() }).Audited(),
			identityv1.ApiKeyService_ListApiKeys_FullMethodName:  access.Self((*identityv1.ListApiKeysRequest).GetOwner),
			identityv1.ApiKeyService_RevokeApiKey_FullMethodName: access.AnyCaller().Audited(),

			identityv1.ServiceAccountService_CreateServiceAccount_FullMethodName: access.Admin().Audited(),
			identityv1.ServiceAccountService_ListServiceAccounts_FullMethodName:  access.Admin(),
			identityv1.ServiceAccountService_DeleteServiceAccount_FullMethodName: access.Admin().Audited(),

			identityv1.GroupService_CreateGroup_FullMethodName:       access.Admin().Audited(),
			identityv1.GroupService_ListGroups_FullMethodName:        access.Admin(),
			identityv1.GroupService_DeleteGroup_FullMethodName:       access.Admin().Audited(),
			identityv1.GroupService_AddGroupMember_FullMethodName:    access.Admin().Audited(),
			identityv1.GroupService_RemoveGroupMember_FullMethodName: access.Admin().Audited(),
			identityv1.GroupService_ListGroupMembers_FullMethodName:  access.Admin(),

			identityv1.SigningKeyService_ListSigningKeys_FullMethodName:  access.Admin(),
			identityv1.SigningKeyService_RotateSigningKey_FullMethodName: access.Admin().Audited(),

			identityv1.AuditService_ListAuditEvents_FullMethodName: access.Admin(),

			identityv1.AuthorizationService_Check_FullMethodName:      access.AnyCaller(),
			identityv1.AuthorizationService_BatchCheck_FullMethodName: access.AnyCaller(),
		},
	}
}

// storedRoles reads a caller's tenant role from the memberships in the
// store, its groups' included.
type storedRoles struct{ store store.Store }

func (s storedRoles) RoleIn(ctx context.Context, c access.Principal, tenant string) (role identityv1.Role, err error) {
	err = s.store.Read(ctx, func(tx store.Tx) error {
		role, err = memberships.RoleIn(tx, c.Subject, tenant)
		return err
	})
	return role, err
}

func userSubject(name string) string { return subject.User(name).String() }
