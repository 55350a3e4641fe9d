package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// readiness says when a replica can do its work: its caches have synced
// and, if it leads, the Tenant controller runs and has caught up.
type readiness struct {
	cache   cache.Cache
	lease   client.Reader // reads the leader Lease from the API server
	elected <-chan struct{}
	// leading is closed once this replica leads, the informers of every
	// kind the controller watches have synced (its workers start as soon
	// as they have) and it has reconciled, once, every tenant it found
	// then: a tenant created after that is not queued behind a resync of
	// all the others.
	leading chan struct{}

	mu       sync.Mutex
	caughtUp bool
	seen     map[string]bool // tenants reconciled before the count starts
	pending  map[string]bool // tenants found at start, not reconciled yet; nil until the count starts
}

// setup adds the runnable that closes leading; it needs leader election,
// so it starts with the controller, when this replica leads (at once
// without leader election).
func (r *readiness) setup(mgr ctrl.Manager, watched []client.Object) error {
	r.cache, r.lease, r.elected, r.leading = mgr.GetCache(), mgr.GetAPIReader(), mgr.Elected(), make(chan struct{})
	r.seen = map[string]bool{}
	log := mgr.GetLogger()
	return mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		for _, kind := range watched {
			// Blocks until the informer, the controller's too, has synced.
			if _, err := r.cache.GetInformer(ctx, kind); err != nil {
				if ctx.Err() != nil {
					return nil // stopping before it synced
				}
				return err
			}
		}
		tenants := &v1alpha1.TenantList{}
		if err := r.cache.List(ctx, tenants, client.UnsafeDisableDeepCopy); err != nil {
			return err
		}
		log.Info("leading: reconciling tenants", "tenants", len(tenants.Items)) // before readiness may say so
		r.count(tenants.Items)
		return nil
	}))
}

// count starts counting the tenants found at start down.
func (r *readiness) count(found []v1alpha1.Tenant) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending = map[string]bool{}
	for _, t := range found {
		if !r.seen[t.Name] {
			r.pending[t.Name] = true
		}
	}
	r.seen = nil
	r.settle()
}

// reconciled notes that a pass over tenant ended, whatever its outcome.
func (r *readiness) reconciled(tenant string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.caughtUp || r.leading == nil: // caught up, or not set up
	case r.pending == nil:
		r.seen[tenant] = true
	default:
		delete(r.pending, tenant)
		r.settle()
	}
}

func (r *readiness) settle() {
	if len(r.pending) == 0 && !r.caughtUp {
		r.caughtUp = true
		close(r.leading)
	}
}

// Ready blocks until this replica may take traffic: its caches have
// synced and, if it leads, the controller runs. A replica that finds the
// leader Lease held by another is ready once its caches have synced: it
// serves the API from them (and leads, when the holder is gone, once the
// Lease expires). One that finds the Lease free (never taken, or given up
// by a replica that stopped) is about to lead: it is ready once it leads,
// its controller runs and has been over every tenant once, so that a
// tenant created once "ready" is said is reconciled at once. For the
// server's readiness (Config.Ready).
func (r *TenantReconciler) Ready(ctx context.Context) error {
	if r.ready.cache == nil {
		return errors.New("controller: not set up")
	}
	if !r.ready.cache.WaitForCacheSync(ctx) {
		return fmt.Errorf("caches did not sync: %w", context.Cause(ctx))
	}
	for {
		held := r.ready.held(ctx)
		wait := 100 * time.Millisecond
		if held {
			// Maybe by this replica, just elected: give the election a
			// moment to say so.
			wait = 300 * time.Millisecond
		}
		select {
		case <-r.ready.elected:
			select {
			case <-r.ready.leading:
				return nil
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(wait):
			if held {
				return nil // a follower
			}
		}
	}
}

// held: the leader Lease names a holder. Its renew time is not trusted
// (clocks differ): like client-go, a holder is someone else's until this
// replica is elected.
func (r *readiness) held(ctx context.Context) bool {
	lease := &coordinationv1.Lease{}
	if err := r.lease.Get(ctx, client.ObjectKey{Namespace: SystemNamespace, Name: LeaderElectionID}, lease); err != nil {
		return false // none yet (this replica is about to create it), or unreadable: wait for the election
	}
	return lease.Spec.HolderIdentity != nil && *lease.Spec.HolderIdentity != ""
}

// Leading is closed once this replica leads, its controller runs and has
// been over every tenant it found at start.
func (r *TenantReconciler) Leading() <-chan struct{} { return r.ready.leading }
