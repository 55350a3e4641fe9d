// Package store is identity's storage: users, memberships, groups, service
// accounts, API keys, refresh tokens, signing keys and the audit log, read
// and written in transactions.
//
// Each kind of data has its own small interface, declared in its own file
// beside its bbolt implementation (users.go, memberships.go, ...); Tx is
// their composition. Domain code runs a transaction with Store.Read or
// Store.Write and hands the Tx to helpers typed by the narrow interfaces
// they use, so that what a piece of logic may touch is visible in its
// signature.
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
//	refresh_families/         family id -> RefreshFamilyRecord (revoked: a tombstone)
//	refresh_family_tokens/    family id NUL SHA-256(secret) -> (empty)
//	refresh_by_owner/         owner uid NUL family id -> (empty)
//	refresh_expiry/           expiry (unix ns, big endian) kind id -> (empty), kind
//	                          't' for a token (id: its hash), 'f' for a family
//	audit/                    event id (time-ordered) -> identity.v1.AuditEvent
//	service_accounts/         name -> ServiceAccountRecord
//	api_keys/                 id -> ApiKeyRecord
//	api_keys_by_owner/        owner NUL id -> (empty)
//	groups/                   name -> GroupRecord
//	group_members/            group NUL user -> (empty)
//	user_groups/              user NUL group -> (empty)
//	tenant_tiers/             tenant -> its plan's API tier (the name, raw bytes)
//
// Values are protobuf (landlord.identity.storage.v1). Subjects are written
// as subject.Subject strings ("user:ann"). Users, service accounts and
// groups carry a random immutable uid (NewUID); memberships, API keys and
// refresh-token families record the uid of their subject, so that they
// count only for the record they were made for, never for a later one
// with the same name.
package store

import "context"

// Store runs transactions. Writes are durable when Write returns; a Write
// whose fn returns an error changes nothing.
type Store interface {
	Read(ctx context.Context, fn func(Tx) error) error
	Write(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// Tx is one transaction over every kind of identity data. Getters return
// an error wrapping apierror.ErrNotFound for a missing record. A Tx is
// valid only inside the fn it was passed to.
type Tx interface {
	Users
	Memberships
	Groups
	ServiceAccounts
	ApiKeys
	RefreshTokens
	SigningKeys
	Audit
	TenantTiers
}
