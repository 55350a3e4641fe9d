package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/landlordctl/config"
	"github.com/landlord-dev/landlord/services/landlordctl/output"
)

func provisioning(c config.Config) string { return c.Provisioning }

// tenants runs fn with an authenticated TenantService client.
func (a *app) tenants(cmd *cobra.Command, fn func(context.Context, provisioningv1.TenantServiceClient) error) error {
	ctx, conn, err := a.service(cmd.Context(), provisioning)
	if err != nil {
		return err
	}
	return fn(ctx, provisioningv1.NewTenantServiceClient(conn))
}

func (a *app) tenantsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "tenants",
		Aliases: []string{"tenant"},
		Short:   "Create, inspect, change, hibernate and delete tenants",
		Example: "  landlordctl tenants list\n  landlordctl tenants create acme --plan standard --namespace dev",
	}
	cmd.AddCommand(a.tenantsCreateCmd(), a.tenantsListCmd(), a.tenantsGetCmd(), a.tenantsUpdateCmd(),
		a.tenantsDeleteCmd(), a.tenantsStateCmd("hibernate"), a.tenantsStateCmd("wake"), a.tenantsWatchCmd())
	return cmd
}

func (a *app) tenantsCreateCmd() *cobra.Command {
	t := &provisioningv1.Tenant{}
	var namespaces []string
	var requestID string
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a tenant",
		Example: `  landlordctl tenants create acme --plan standard --namespace dev --namespace prod
  landlordctl tenants create acme --display-name "ACME Corp" --deletion-protection`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t.Name = args[0]
			for _, n := range namespaces {
				t.Namespaces = append(t.Namespaces, &provisioningv1.Namespace{Name: n})
			}
			return a.tenants(cmd, func(ctx context.Context, c provisioningv1.TenantServiceClient) error {
				resp, err := c.CreateTenant(ctx, &provisioningv1.CreateTenantRequest{Tenant: t, RequestId: requestID})
				if err != nil {
					return err
				}
				return a.print(resp.GetTenant(), tenantTable(resp.GetTenant()))
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&t.Plan, "plan", "", "the plan (required: `landlordctl plans list` shows them)")
	f.StringVar(&t.DisplayName, "display-name", "", "a human-readable name")
	f.StringSliceVar(&namespaces, "namespace", nil, "a namespace to create with the tenant (repeatable)")
	f.BoolVar(&t.DeletionProtection, "deletion-protection", false, "refuse deletes until turned off")
	f.StringVar(&requestID, "request-id", "", "makes retries of this create idempotent")
	return cmd
}

func (a *app) tenantsListCmd() *cobra.Command {
	var filter string
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the tenants you can see",
		Example: "  landlordctl tenants list\n  landlordctl tenants list -o yaml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.tenants(cmd, func(ctx context.Context, c provisioningv1.TenantServiceClient) error {
				tenants, err := allPages(func(page string) ([]*provisioningv1.Tenant, string, error) {
					resp, err := c.ListTenants(ctx, &provisioningv1.ListTenantsRequest{PageToken: page, Filter: filter})
					return resp.GetTenants(), resp.GetNextPageToken(), err
				})
				if err != nil {
					return err
				}
				return a.print(&provisioningv1.ListTenantsResponse{Tenants: tenants}, tenantTable(tenants...))
			})
		},
	}
	cmd.Flags().StringVar(&filter, "filter", "", "a filter expression the server understands")
	return cmd
}

func (a *app) tenantsGetCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "get NAME",
		Short:   "Show a tenant",
		Example: "  landlordctl tenants get acme\n  landlordctl tenants get acme -o json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.tenants(cmd, func(ctx context.Context, c provisioningv1.TenantServiceClient) error {
				resp, err := c.GetTenant(ctx, &provisioningv1.GetTenantRequest{Name: args[0]})
				if err != nil {
					return err
				}
				return a.print(resp.GetTenant(), tenantTable(resp.GetTenant()))
			})
		},
	}
}

func (a *app) tenantsUpdateCmd() *cobra.Command {
	t := &provisioningv1.Tenant{}
	cmd := &cobra.Command{
		Use:   "update NAME",
		Short: "Change a tenant's plan, display name or deletion protection",
		Long:  "Change only the fields whose flags are given (the update mask is built from them).",
		Example: `  landlordctl tenants update acme --plan gold
  landlordctl tenants update acme --deletion-protection=false`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t.Name = args[0]
			mask := &fieldmaskpb.FieldMask{}
			for flag, path := range map[string]string{"plan": "plan", "display-name": "display_name", "deletion-protection": "deletion_protection"} {
				if cmd.Flags().Changed(flag) {
					mask.Paths = append(mask.Paths, path)
				}
			}
			if len(mask.Paths) == 0 {
				return fmt.Errorf("nothing to change: give --plan, --display-name or --deletion-protection")
			}
			return a.tenants(cmd, func(ctx context.Context, c provisioningv1.TenantServiceClient) error {
				resp, err := c.UpdateTenant(ctx, &provisioningv1.UpdateTenantRequest{Tenant: t, UpdateMask: mask})
				if err != nil {
					return err
				}
				return a.print(resp.GetTenant(), tenantTable(resp.GetTenant()))
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&t.Plan, "plan", "", "the new plan")
	f.StringVar(&t.DisplayName, "display-name", "", "the new display name")
	f.BoolVar(&t.DeletionProtection, "deletion-protection", false, "refuse deletes until turned off")
	return cmd
}

func (a *app) tenantsDeleteCmd() *cobra.Command {
	req := &provisioningv1.DeleteTenantRequest{}
	cmd := &cobra.Command{
		Use:     "delete NAME",
		Short:   "Delete a tenant and everything in its namespaces",
		Example: "  landlordctl tenants delete acme\n  landlordctl tenants delete acme --force",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Name = args[0]
			return a.tenants(cmd, func(ctx context.Context, c provisioningv1.TenantServiceClient) error {
				if _, err := c.DeleteTenant(ctx, req); err != nil {
					return err
				}
				fmt.Fprintf(a.out, "Tenant %s is being deleted.\n", req.Name)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&req.Etag, "etag", "", "delete only if the tenant is unchanged since this etag")
	cmd.Flags().BoolVar(&req.Force, "force", false, "delete even if the namespaces still hold workloads")
	return cmd
}

// tenantsStateCmd is hibernate or wake: same shape, different call.
func (a *app) tenantsStateCmd(verb string) *cobra.Command {
	short := map[string]string{"hibernate": "Scale a tenant's workloads to zero until it is woken",
		"wake": "Bring a hibernated tenant's workloads back"}[verb]
	return &cobra.Command{
		Use:     verb + " NAME",
		Short:   short,
		Example: "  landlordctl tenants " + verb + " acme",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.tenants(cmd, func(ctx context.Context, c provisioningv1.TenantServiceClient) error {
				var t *provisioningv1.Tenant
				if verb == "hibernate" {
					resp, err := c.HibernateTenant(ctx, &provisioningv1.HibernateTenantRequest{Name: args[0]})
					if err != nil {
						return err
					}
					t = resp.GetTenant()
				} else {
					resp, err := c.WakeTenant(ctx, &provisioningv1.WakeTenantRequest{Name: args[0]})
					if err != nil {
						return err
					}
					t = resp.GetTenant()
				}
				return a.print(t, tenantTable(t))
			})
		},
	}
}

func (a *app) tenantsWatchCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "watch [NAME]",
		Short: "Stream changes to tenants (one, or all you can see) until interrupted",
		Long:  "Print each change as it happens: a table row, or one JSON/YAML document per event.",
		Example: `  landlordctl tenants watch
  landlordctl tenants watch acme -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := &provisioningv1.WatchTenantsRequest{}
			if len(args) == 1 {
				req.Name = args[0]
			}
			return a.tenants(cmd, func(ctx context.Context, c provisioningv1.TenantServiceClient) error {
				stream, err := c.WatchTenants(ctx, req)
				if err != nil {
					return err
				}
				for {
					ev, err := stream.Recv()
					if err == io.EOF {
						return nil
					}
					if err != nil {
						return err
					}
					if err := a.printEvent(ev); err != nil {
						return err
					}
				}
			})
		},
	}
}

func (a *app) printEvent(ev *provisioningv1.WatchTenantsResponse) error {
	if a.output == "yaml" {
		fmt.Fprintln(a.out, "---")
	}
	if a.output != "table" {
		return a.print(ev, output.Table{})
	}
	t := tenantTable(ev.GetTenant())
	t.Header = append([]string{"EVENT"}, t.Header...)
	t.Rows[0] = append([]string{enumName(ev.GetType().String(), "EVENT_TYPE_")}, t.Rows[0]...)
	if a.watched {
		t.Header = nil // once, on the first event: rows may not align, but stay readable
	}
	a.watched = true
	return a.print(ev, t)
}
