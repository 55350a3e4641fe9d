package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
)

func (a *app) namespacesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "namespaces",
		Aliases: []string{"namespace", "ns"},
		Short:   "Add, list and delete a tenant's namespaces",
		Example: "  landlordctl namespaces list acme\n  landlordctl namespaces add acme web",
	}
	cmd.AddCommand(&cobra.Command{
		Use:     "add TENANT NAME",
		Short:   "Add a namespace to a tenant (within its plan's namespace count)",
		Example: "  landlordctl namespaces add acme web",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.tenants(cmd, func(ctx context.Context, c provisioningv1.TenantServiceClient) error {
				resp, err := c.CreateNamespace(ctx, &provisioningv1.CreateNamespaceRequest{
					Tenant: args[0], Namespace: &provisioningv1.Namespace{Name: args[1]}})
				if err != nil {
					return err
				}
				return a.print(resp.GetNamespace(), namespaceTable(resp.GetNamespace()))
			})
		},
	}, &cobra.Command{
		Use:     "list TENANT",
		Short:   "List a tenant's namespaces and the cluster namespaces behind them",
		Example: "  landlordctl namespaces list acme",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.tenants(cmd, func(ctx context.Context, c provisioningv1.TenantServiceClient) error {
				resp, err := c.ListNamespaces(ctx, &provisioningv1.ListNamespacesRequest{Tenant: args[0]})
				if err != nil {
					return err
				}
				return a.print(resp, namespaceTable(resp.GetNamespaces()...))
			})
		},
	}, &cobra.Command{
		Use:     "delete TENANT NAME",
		Short:   "Delete a tenant's namespace and everything in it",
		Example: "  landlordctl namespaces delete acme web",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.tenants(cmd, func(ctx context.Context, c provisioningv1.TenantServiceClient) error {
				if _, err := c.DeleteNamespace(ctx, &provisioningv1.DeleteNamespaceRequest{Tenant: args[0], Name: args[1]}); err != nil {
					return err
				}
				fmt.Fprintf(a.out, "Namespace %s of tenant %s is being deleted.\n", args[1], args[0])
				return nil
			})
		},
	})
	return cmd
}
