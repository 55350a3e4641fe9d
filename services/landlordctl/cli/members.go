package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
)

// members runs fn with an authenticated MembershipService client.
func (a *app) members(cmd *cobra.Command, fn func(context.Context, identityv1.MembershipServiceClient) error) error {
	ctx, err := a.authed(cmd.Context())
	if err != nil {
		return err
	}
	conn, err := a.identity()
	if err != nil {
		return err
	}
	return fn(ctx, identityv1.NewMembershipServiceClient(conn))
}

// subject accepts a bare user name for "user:<name>".
func subject(s string) string {
	if strings.Contains(s, ":") {
		return s
	}
	return "user:" + s
}

var roles = []string{"viewer", "editor", "admin", "owner"}

func parseRole(s string) (identityv1.Role, error) {
	r, ok := identityv1.Role_value["ROLE_"+strings.ToUpper(s)]
	if !ok || r == 0 {
		return 0, fmt.Errorf("unknown role %q: use one of %s", s, strings.Join(roles, ", "))
	}
	return identityv1.Role(r), nil
}

func (a *app) membersCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "members",
		Aliases: []string{"member"},
		Short:   "Give people, groups and service accounts a role in a tenant",
		Long: `Roles: viewer (read), editor (change workloads), admin (and members),
owner (and the tenant itself). SUBJECT is user:NAME (or just NAME),
group:NAME or serviceaccount:NAME.`,
		Example: "  landlordctl members set acme ann editor\n  landlordctl members list acme",
	}
	cmd.AddCommand(&cobra.Command{
		Use:       "set TENANT SUBJECT ROLE",
		Short:     "Give a subject a role in a tenant (replacing its previous role)",
		Example:   "  landlordctl members set acme ann editor\n  landlordctl members set acme group:sre viewer",
		Args:      cobra.ExactArgs(3),
		ValidArgs: roles,
		RunE: func(cmd *cobra.Command, args []string) error {
			role, err := parseRole(args[2])
			if err != nil {
				return err
			}
			return a.members(cmd, func(ctx context.Context, c identityv1.MembershipServiceClient) error {
				resp, err := c.SetMembership(ctx, &identityv1.SetMembershipRequest{Membership: &identityv1.Membership{
					Tenant: args[0], Subject: subject(args[1]), Role: role}})
				if err != nil {
					return err
				}
				return a.print(resp.GetMembership(), memberTable(resp.GetMembership()))
			})
		},
	}, &cobra.Command{
		Use:     "list TENANT",
		Short:   "List a tenant's members",
		Example: "  landlordctl members list acme -o yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.members(cmd, func(ctx context.Context, c identityv1.MembershipServiceClient) error {
				memberships, err := allPages(func(page string) ([]*identityv1.Membership, string, error) {
					resp, err := c.ListMemberships(ctx, &identityv1.ListMembershipsRequest{Tenant: args[0], PageToken: page})
					return resp.GetMemberships(), resp.GetNextPageToken(), err
				})
				if err != nil {
					return err
				}
				return a.print(&identityv1.ListMembershipsResponse{Memberships: memberships}, memberTable(memberships...))
			})
		},
	}, &cobra.Command{
		Use:     "delete TENANT SUBJECT",
		Short:   "Remove a subject's role in a tenant",
		Example: "  landlordctl members delete acme ann",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.members(cmd, func(ctx context.Context, c identityv1.MembershipServiceClient) error {
				if _, err := c.DeleteMembership(ctx, &identityv1.DeleteMembershipRequest{Tenant: args[0], Subject: subject(args[1])}); err != nil {
					return err
				}
				fmt.Fprintf(a.out, "%s is no longer a member of %s.\n", subject(args[1]), args[0])
				return nil
			})
		},
	})
	return cmd
}
