// Package idle decides which tenants are idle: those with an idle policy
// (hibernate_after_idle) that nobody has used for that long. What counts
// as use is the cluster package's to see (Activity); this package is the
// pure rule, and the loop that asks provisioning to hibernate (Hibernator).
package idle

import (
	"time"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// Tenant is what the rule needs of a tenant.
type Tenant struct {
	Name string
	// Etag is the tenant's etag when it was seen (v1alpha1.Etag):
	// hibernation is refused if the tenant changed since.
	Etag string
	// Created and LastActivity bound idleness: a tenant is never idle for
	// longer than it exists.
	Created, LastActivity time.Time
	// IdleAfter is its policy; 0 never hibernates it.
	IdleAfter  time.Duration
	Hibernated bool
	Reason     v1alpha1.HibernationReason
	// Active: provisioned and not being deleted; only such a tenant is put
	// to sleep.
	Active bool
}

// Status is a tenant with the rule applied.
type Status struct {
	Tenant
	// Since is when the tenant was last used (or created); IdleFor how
	// long ago that is.
	Since   time.Time
	IdleFor time.Duration
	// Idle: it has a policy, is awake and active, and has been unused for
	// at least IdleAfter: a candidate for hibernation.
	Idle bool
}

// Assess applies the rule at now.
func Assess(now time.Time, t Tenant) Status {
	since := t.Created
	if t.LastActivity.After(since) {
		since = t.LastActivity
	}
	idleFor := max(now.Sub(since), 0)
	return Status{Tenant: t, Since: since, IdleFor: idleFor,
		Idle: t.IdleAfter > 0 && t.Active && !t.Hibernated && idleFor >= t.IdleAfter}
}
