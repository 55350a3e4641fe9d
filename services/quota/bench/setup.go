package bench

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
)

// CreatePlan creates a plan like "standard" but with its own name, an even
// split of its budget, the given namespace count and budget changes. ctx
// carries a platform admin's token.
func CreatePlan(ctx context.Context, plans quotav1.PlanServiceClient, name string, namespaces int32, budget map[string]string) (*quotav1.Plan, error) {
	// A service restarted a moment ago may still be reconnecting.
	base, err := plans.GetPlan(ctx, &quotav1.GetPlanRequest{Name: "standard"}, grpc.WaitForReady(true))
	if err != nil {
		return nil, err
	}
	p := proto.Clone(base.GetPlan()).(*quotav1.Plan)
	p.Name, p.MaxNamespaces, p.Etag, p.CreateTime, p.UpdateTime = name, namespaces, "", nil, nil
	p.NamespaceInitial = nil
	for r, q := range budget {
		p.Budget[r] = q
	}
	resp, err := plans.CreatePlan(ctx, &quotav1.CreatePlanRequest{Plan: p})
	if err != nil {
		return nil, fmt.Errorf("create plan %s: %w", name, err)
	}
	return resp.GetPlan(), nil
}

// CreateTenant creates a tenant on plan with the named namespaces and
// waits until it is Active: its quotas are in place (its role bindings
// wait for them).
func CreateTenant(ctx context.Context, tenants provisioningv1.TenantServiceClient, name, plan string, namespaces ...string) error {
	tn := &provisioningv1.Tenant{Name: name, Plan: plan}
	for _, ns := range namespaces {
		tn.Namespaces = append(tn.Namespaces, &provisioningv1.Namespace{Name: ns})
	}
	if _, err := tenants.CreateTenant(ctx, &provisioningv1.CreateTenantRequest{Tenant: tn}, grpc.WaitForReady(true)); err != nil {
		return fmt.Errorf("create tenant %s: %w", name, err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := tenants.GetTenant(ctx, &provisioningv1.GetTenantRequest{Name: name})
		if err != nil {
			return err
		}
		got := resp.GetTenant()
		if got.GetPhase() == provisioningv1.Phase_PHASE_ACTIVE && got.GetObservedGeneration() == got.GetGeneration() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("tenant %s is %v after 60 s, want ACTIVE", name, got.GetPhase())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
