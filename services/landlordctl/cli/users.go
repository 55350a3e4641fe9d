package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/landlordctl/output"
)

// users runs fn with an authenticated UserService client.
func (a *app) users(cmd *cobra.Command, fn func(context.Context, identityv1.UserServiceClient) error) error {
	ctx, err := a.authed(cmd.Context())
	if err != nil {
		return err
	}
	conn, err := a.identity()
	if err != nil {
		return err
	}
	return fn(ctx, identityv1.NewUserServiceClient(conn))
}

func userTable(us ...*identityv1.User) output.Table {
	t := output.Table{Header: []string{"NAME", "DISPLAY NAME", "EMAIL", "DISABLED", "AGE"}}
	for _, u := range us {
		t.Rows = append(t.Rows, []string{u.GetName(), u.GetDisplayName(), u.GetEmail(), strconv.FormatBool(u.GetDisabled()), age(u.GetCreateTime())})
	}
	return t
}

func (a *app) usersCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "users",
		Aliases: []string{"user"},
		Short:   "Create, list and delete users (platform admins)",
		Example: "  landlordctl users list\n  printf '%s' \"$PW\" | landlordctl users create ann --password-stdin",
	}
	u := &identityv1.User{}
	var passwordStdin bool
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a user, with a password read from stdin",
		Example: `  printf '%s' "$PW" | landlordctl users create ann --password-stdin --email ann@example.com
  landlordctl users create ann   # no password: only API keys or a later password reset`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			u.Name = args[0]
			req := &identityv1.CreateUserRequest{User: u}
			if passwordStdin {
				data, err := io.ReadAll(a.in)
				if err != nil {
					return err
				}
				req.Password = strings.TrimRight(string(data), "\r\n")
			}
			return a.users(cmd, func(ctx context.Context, c identityv1.UserServiceClient) error {
				resp, err := c.CreateUser(ctx, req)
				if err != nil {
					return err
				}
				return a.print(resp.GetUser(), userTable(resp.GetUser()))
			})
		},
	}
	create.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the user's password from stdin")
	create.Flags().StringVar(&u.DisplayName, "display-name", "", "the user's full name")
	create.Flags().StringVar(&u.Email, "email", "", "the user's e-mail address")
	cmd.AddCommand(create, &cobra.Command{
		Use:     "list",
		Short:   "List users",
		Example: "  landlordctl users list -o yaml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.users(cmd, func(ctx context.Context, c identityv1.UserServiceClient) error {
				users, err := allPages(func(page string) ([]*identityv1.User, string, error) {
					resp, err := c.ListUsers(ctx, &identityv1.ListUsersRequest{PageToken: page})
					return resp.GetUsers(), resp.GetNextPageToken(), err
				})
				if err != nil {
					return err
				}
				return a.print(&identityv1.ListUsersResponse{Users: users}, userTable(users...))
			})
		},
	}, &cobra.Command{
		Use:     "get NAME",
		Short:   "Show a user",
		Example: "  landlordctl users get ann",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.users(cmd, func(ctx context.Context, c identityv1.UserServiceClient) error {
				resp, err := c.GetUser(ctx, &identityv1.GetUserRequest{Name: args[0]})
				if err != nil {
					return err
				}
				return a.print(resp.GetUser(), userTable(resp.GetUser()))
			})
		},
	}, &cobra.Command{
		Use:     "delete NAME",
		Short:   "Delete a user; their sessions, keys and memberships die with them",
		Example: "  landlordctl users delete ann",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.users(cmd, func(ctx context.Context, c identityv1.UserServiceClient) error {
				if _, err := c.DeleteUser(ctx, &identityv1.DeleteUserRequest{Name: args[0]}); err != nil {
					return err
				}
				fmt.Fprintf(a.out, "User %s deleted.\n", args[0])
				return nil
			})
		},
	})
	return cmd
}
