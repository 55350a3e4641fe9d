package cli

import (
	"github.com/spf13/cobra"

	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/landlordctl/config"
)

func quotaAddr(c config.Config) string         { return c.Quota }
func observabilityAddr(c config.Config) string { return c.Observability }

func (a *app) plansCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "plans",
		Aliases: []string{"plan"},
		Short:   "Show the plans (tiers) tenants can be on",
		Example: "  landlordctl plans list\n  landlordctl plans get standard -o yaml",
	}
	cmd.AddCommand(&cobra.Command{
		Use:     "list",
		Short:   "List the plans",
		Example: "  landlordctl plans list",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, conn, err := a.service(cmd.Context(), quotaAddr)
			if err != nil {
				return err
			}
			resp, err := quotav1.NewPlanServiceClient(conn).ListPlans(ctx, &quotav1.ListPlansRequest{})
			if err != nil {
				return err
			}
			return a.print(resp, planTable(resp.GetPlans()...))
		},
	}, &cobra.Command{
		Use:     "get NAME",
		Short:   "Show a plan: its budget, namespace count, defaults and limits",
		Example: "  landlordctl plans get standard -o yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, conn, err := a.service(cmd.Context(), quotaAddr)
			if err != nil {
				return err
			}
			resp, err := quotav1.NewPlanServiceClient(conn).GetPlan(ctx, &quotav1.GetPlanRequest{Name: args[0]})
			if err != nil {
				return err
			}
			return a.print(resp.GetPlan(), planTable(resp.GetPlan()))
		},
	})
	return cmd
}

func (a *app) quotaCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "quota",
		Short:   "Show a tenant's resource budget and how much of it is used",
		Example: "  landlordctl quota get acme\n  landlordctl quota get acme -o json",
	}
	cmd.AddCommand(&cobra.Command{
		Use:     "get TENANT",
		Short:   "Show a tenant's budget, use and per-namespace split",
		Long:    "The table shows the tenant-wide budget; -o yaml adds each namespace's share.",
		Example: "  landlordctl quota get acme\n  landlordctl quota get acme -o yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, conn, err := a.service(cmd.Context(), quotaAddr)
			if err != nil {
				return err
			}
			resp, err := quotav1.NewTenantQuotaServiceClient(conn).GetTenantQuota(ctx, &quotav1.GetTenantQuotaRequest{Tenant: args[0]})
			if err != nil {
				return err
			}
			return a.print(resp.GetQuota(), quotaTable(resp.GetQuota()))
		},
	})
	return cmd
}

func (a *app) usageCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "usage",
		Short:   "Show what a tenant's workloads request and run",
		Example: "  landlordctl usage get acme",
	}
	cmd.AddCommand(&cobra.Command{
		Use:     "get TENANT",
		Short:   "Show a tenant's current usage per namespace",
		Example: "  landlordctl usage get acme\n  landlordctl usage get acme -o json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, conn, err := a.service(cmd.Context(), observabilityAddr)
			if err != nil {
				return err
			}
			resp, err := observabilityv1.NewObservabilityServiceClient(conn).GetTenantUsage(ctx, &observabilityv1.GetTenantUsageRequest{Tenant: args[0]})
			if err != nil {
				return err
			}
			return a.print(resp.GetUsage(), usageTable(resp.GetUsage()))
		},
	})
	return cmd
}
