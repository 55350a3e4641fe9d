// Package store is identity's storage: users, memberships, signing keys and
// refresh tokens, read and written in transactions.
//
// Store is small on purpose, so that an etcd-backed implementation can pass
// the same conformance suite (storetest) as the bbolt one here. bbolt's
// bucket tree, below the meta bucket of package boltdb:
//
//	users/                    name -> UserRecord
//	memberships/              tenant NUL subject -> MembershipRecord
//	memberships_by_subject/   subject NUL tenant -> (empty), the index tokens use
//	signing_keys/             kid -> SigningKeyRecord
//	refresh_tokens/           SHA-256(secret) -> RefreshTokenRecord
//	audit/                    event id (time-ordered) -> identity.v1.AuditEvent
//	service_accounts/         name -> ServiceAccountRecord
//	api_keys/                 id -> ApiKeyRecord
//	api_keys_by_owner/        owner NUL id -> (empty)
//	groups/                   name -> GroupRecord
//	group_members/            group NUL user -> (empty)
//	user_groups/              user NUL group -> (empty)
//
// Values are protobuf (landlord.identity.storage.v1).
package store

import (
	"context"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
)

// Store runs transactions. Writes are durable when Write returns.
type Store interface {
	Read(ctx context.Context, fn func(Tx) error) error
	Write(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// Tx is one transaction. Getters return an error wrapping
// apierror.ErrNotFound for a missing record.
type Tx interface {
	GetUser(name string) (*storagev1.UserRecord, error)
	PutUser(rec *storagev1.UserRecord) error
	DeleteUser(name string) error
	// ListUsers returns up to limit users whose names sort after `after`.
	ListUsers(after string, limit int) ([]*storagev1.UserRecord, error)
	CountUsers() (int, error)

	GetMembership(tenant, subject string) (*storagev1.MembershipRecord, error)
	PutMembership(rec *storagev1.MembershipRecord) error
	DeleteMembership(tenant, subject string) error
	// ListMemberships returns up to limit memberships of tenant whose
	// subjects sort after `after`.
	ListMemberships(tenant, after string, limit int) ([]*storagev1.MembershipRecord, error)
	// MembershipsOf returns every membership of subject.
	MembershipsOf(subject string) ([]*storagev1.MembershipRecord, error)

	SigningKeys() ([]*storagev1.SigningKeyRecord, error)
	PutSigningKey(rec *storagev1.SigningKeyRecord) error
	DeleteSigningKey(kid string) error

	GetRefreshToken(hash []byte) (*storagev1.RefreshTokenRecord, error)
	PutRefreshToken(hash []byte, rec *storagev1.RefreshTokenRecord) error
	// RevokeFamily deletes every refresh token of a family.
	RevokeFamily(family string) error

	GetServiceAccount(name string) (*storagev1.ServiceAccountRecord, error)
	PutServiceAccount(rec *storagev1.ServiceAccountRecord) error
	DeleteServiceAccount(name string) error
	ListServiceAccounts(after string, limit int) ([]*storagev1.ServiceAccountRecord, error)

	GetApiKey(id string) (*storagev1.ApiKeyRecord, error)
	PutApiKey(rec *storagev1.ApiKeyRecord) error
	DeleteApiKey(id string) error
	// ApiKeysOf returns every key of owner, in id order.
	ApiKeysOf(owner string) ([]*storagev1.ApiKeyRecord, error)

	GetGroup(name string) (*storagev1.GroupRecord, error)
	PutGroup(rec *storagev1.GroupRecord) error
	// DeleteGroup deletes the group and its member index entries.
	DeleteGroup(name string) error
	ListGroups(after string, limit int) ([]*storagev1.GroupRecord, error)
	AddGroupMember(group, user string) error
	RemoveGroupMember(group, user string) error
	// GroupMembers and GroupsOf return names in order.
	GroupMembers(group string) ([]string, error)
	GroupsOf(user string) ([]string, error)

	// AppendAudit records an event; its id orders events in time.
	AppendAudit(ev *identityv1.AuditEvent) error
	// ListAudit returns up to limit events older than id `before` (all
	// events if before is ""), newest first.
	ListAudit(before string, limit int) ([]*identityv1.AuditEvent, error)
}
