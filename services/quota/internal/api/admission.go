package api

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
	"time"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/quota/internal/changes"
	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
	"github.com/landlord-dev/landlord/services/quota/internal/plans"
)

// AdmissionServer serves QuotaAdmissionService to provisioning.
type AdmissionServer struct {
	quotav1.UnimplementedQuotaAdmissionServiceServer
	Ledger  *ledger.Ledger
	Plans   *plans.Store
	Changes *changes.Broadcast
	// PlansVersion goes up whenever plans change.
	PlansVersion *atomic.Uint64
	// Resend is how often pending writes are sent again: the cluster may
	// have lacked the namespace, or a write may have lost a race.
	Resend time.Duration
}

func (s *AdmissionServer) AdmitNamespaces(_ context.Context, req *quotav1.AdmitNamespacesRequest) (*quotav1.AdmitNamespacesResponse, error) {
	plan, err := s.Plans.GetPlan(req.GetPlan())
	if errors.Is(err, apierror.ErrNotFound) {
		names, _ := s.planNames()
		return nil, apierror.InvalidArgument("tenant.plan", fmt.Sprintf("no plan %q; plans: %v", req.GetPlan(), names))
	}
	if err != nil {
		return nil, err
	}
	o, _, err := s.Plans.GetOverrides(req.GetTenant())
	if err != nil {
		return nil, err
	}
	b, err := plans.Budget(plan, o)
	if err != nil {
		return nil, err
	}
	if int(req.GetNamespaceCount()) > b.MaxNamespaces {
		return nil, &apierror.QuotaExceededError{Subject: "tenant:" + req.GetTenant(),
			Description: fmt.Sprintf("namespaces: %d asked for, the tenant's limit is %d (plan %q)", req.GetNamespaceCount(), b.MaxNamespaces, plan.GetName())}
	}
	return &quotav1.AdmitNamespacesResponse{MaxNamespaces: int32(b.MaxNamespaces)}, nil
}

func (s *AdmissionServer) planNames() ([]string, error) {
	ps, err := s.Plans.ListPlans()
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.GetName()
	}
	return names, err
}

// Sync sends every plan, then the pending writes; after that, the plans
// whenever they change and each write once when it is new, all pending
// writes again every Resend.
func (s *AdmissionServer) Sync(_ *quotav1.SyncRequest, stream quotav1.QuotaAdmissionService_SyncServer) error {
	ctx := stream.Context()
	sentPlans := uint64(0)
	sent := map[[2]string]uint64{} // tenant, namespace → newest Seq sent
	resend := time.NewTicker(s.Resend)
	defer resend.Stop()
	first, all := true, true
	for {
		wait := s.Changes.Wait()
		msg := &quotav1.SyncResponse{}
		if v := s.PlansVersion.Load(); first || v != sentPlans {
			ps, err := s.Plans.ListPlans()
			if err != nil {
				return err
			}
			msg.Plans, sentPlans = ps, v
		}
		pending := s.Ledger.Pending()
		seen := make(map[[2]string]uint64, len(pending))
		for _, w := range pending {
			key := [2]string{w.Tenant, w.Namespace}
			seen[key] = sent[key]
			if all || w.Seq > sent[key] {
				msg.Writes = append(msg.Writes, write(w))
				seen[key] = w.Seq
			}
		}
		sent = seen // forget what is no longer pending
		if first || len(msg.Plans) > 0 || len(msg.Writes) > 0 {
			if err := stream.Send(msg); err != nil {
				return err
			}
		}
		first, all = false, false
		select {
		case <-ctx.Done():
			return nil
		case <-wait:
		case <-resend.C:
			all = true
		}
	}
}

func write(w ledger.Write) *quotav1.QuotaWrite {
	hard := make(map[string]string, len(w.Hard))
	for _, r := range slices.Sorted(maps.Keys(w.Hard)) {
		hard[r] = qty(r, w.Hard[r])
	}
	return &quotav1.QuotaWrite{Tenant: w.Tenant, Namespace: w.Namespace, Seq: w.Seq, Hard: hard}
}
