package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// readiness says when a replica can do its work: its caches have synced
// and, if it leads, the Tenant controller runs.
type readiness struct {
	cache   cache.Cache
	lease   client.Reader // reads the leader Lease from the API server
	elected <-chan struct{}
	// leading is closed once this replica leads and the informers of
	// every kind the controller watches have synced: the controller's
	// workers start as soon as those have.
	leading chan struct{}
}

// setup adds the runnable that closes leading; it needs leader election,
// so it starts with the controller, when this replica leads (at once
// without leader election).
func (r *readiness) setup(mgr ctrl.Manager, watched []client.Object) error {
	r.cache, r.lease, r.elected, r.leading = mgr.GetCache(), mgr.GetAPIReader(), mgr.Elected(), make(chan struct{})
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
		log.Info("leading: reconciling tenants") // before readiness may say so
		close(r.leading)
		return nil
	}))
}

// Ready blocks until this replica may take traffic: its caches have
// synced and, if it leads, the controller runs. A replica that another
// holds the leader Lease against is ready once its caches have synced: it
// serves the API from them. One that will lead (the Lease is free, was
// given up, or expired) is ready once it leads and its controller runs,
// so that "ready" after a restart means tenants are being reconciled.
// For the server's readiness (Config.Ready).
func (r *TenantReconciler) Ready(ctx context.Context) error {
	if r.ready.cache == nil {
		return errors.New("controller: not set up")
	}
	if !r.ready.cache.WaitForCacheSync(ctx) {
		return fmt.Errorf("caches did not sync: %w", context.Cause(ctx))
	}
	for {
		select {
		case <-r.ready.elected:
			select {
			case <-r.ready.leading:
				return nil
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		default:
		}
		if r.ready.heldByAnother(ctx) {
			return nil // a follower, until the leader goes
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-r.ready.elected:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// heldByAnother: the leader Lease is held, and not expired, by a replica
// other than this one (which has not been elected when this is asked).
func (r *readiness) heldByAnother(ctx context.Context) bool {
	lease := &coordinationv1.Lease{}
	if err := r.lease.Get(ctx, client.ObjectKey{Namespace: SystemNamespace, Name: LeaderElectionID}, lease); err != nil {
		return false // none yet (this replica is about to create it), or unreadable: wait for the election
	}
	s := lease.Spec
	if s.HolderIdentity == nil || *s.HolderIdentity == "" || s.RenewTime == nil || s.LeaseDurationSeconds == nil {
		return false
	}
	return time.Since(s.RenewTime.Time) < time.Duration(*s.LeaseDurationSeconds)*time.Second
}

// Leading is closed once this replica leads and its controller runs.
func (r *TenantReconciler) Leading() <-chan struct{} { return r.ready.leading }
