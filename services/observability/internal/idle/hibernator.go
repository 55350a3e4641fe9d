package idle

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
)

// Hibernator asks provisioning to hibernate the tenants that are idle,
// every Every, until its context ends. Provisioning admits only this
// service's certificate to HibernateIdleTenant, and refuses a tenant that
// changed since it was seen (ABORTED) or already sleeps
// (FAILED_PRECONDITION): both mean someone was faster, not a failure.
type Hibernator struct {
	Tenants      func() ([]Tenant, error)
	Provisioning provisioningv1.TenantServiceClient
	Every        time.Duration
	Log          *slog.Logger
	Now          func() time.Time
}

// Run checks every Every until ctx ends.
func (h *Hibernator) Run(ctx context.Context) error {
	tick := time.NewTicker(h.Every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			h.Check(ctx)
		}
	}
}

// Check hibernates the tenants idle now, one by one.
func (h *Hibernator) Check(ctx context.Context) {
	tenants, err := h.Tenants()
	if err != nil {
		h.Log.Warn("idle check: reading tenants", "error", err)
		return
	}
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	for _, t := range tenants {
		st := Assess(now, t)
		if !st.Idle {
			continue
		}
		_, err := h.Provisioning.HibernateIdleTenant(ctx, &provisioningv1.HibernateIdleTenantRequest{Name: t.Name, Etag: t.Etag})
		switch status.Code(err) {
		case codes.OK:
			h.Log.Info("hibernated an idle tenant", "tenant", t.Name, "idle_for", st.IdleFor.Round(time.Second), "idle_after", t.IdleAfter)
		case codes.Aborted, codes.FailedPrecondition, codes.NotFound:
			h.Log.Debug("idle tenant changed meanwhile", "tenant", t.Name, "error", err)
		default:
			h.Log.Warn("hibernating an idle tenant", "tenant", t.Name, "error", err)
		}
	}
}
