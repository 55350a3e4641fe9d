// Package plans is the quota service's plans (tiers) and per-tenant
// overrides: their validation, the ledger budget a tenant gets from them,
// update masks, and their store.
//
// A plan is tenant-wide: its budget bounds the sum over a tenant's
// namespaces, which the ledger splits into per-namespace ResourceQuotas.
// Landlord's own objects in each namespace (LandlordFloor) come out of
// that budget, so every plan must leave room for them.
//
// The store is its own bbolt file. Bucket tree (besides boltdb's meta/):
//
//	plans/
//	  <plan name>      8-byte big-endian revision, then the Plan (protobuf,
//	                   without etag: the etag is the revision, in decimal)
//	overrides/
//	  <tenant name>    8-byte big-endian revision, then the Overrides
//
// Revisions come from the bucket's sequence, so they never repeat within a
// bucket: an etag read before a delete cannot match a record created again
// under the same name. A tenant without overrides has revision 0.
package plans
