package cli

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/timestamppb"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/landlordctl/output"
)

// identityCall runs fn with an authenticated context and identity's
// connection, from which fn makes the client it needs.
func (a *app) identityCall(cmd *cobra.Command, fn func(context.Context, *identityConn) error) error {
	ctx, err := a.authed(cmd.Context())
	if err != nil {
		return err
	}
	conn, err := a.identity()
	if err != nil {
		return err
	}
	return fn(ctx, &identityConn{
		sa:   identityv1.NewServiceAccountServiceClient(conn),
		keys: identityv1.NewApiKeyServiceClient(conn),
	})
}

type identityConn struct {
	sa   identityv1.ServiceAccountServiceClient
	keys identityv1.ApiKeyServiceClient
}

func serviceAccountTable(ss ...*identityv1.ServiceAccount) output.Table {
	t := output.Table{Header: []string{"NAME", "DISPLAY NAME", "DISABLED", "AGE"}}
	for _, s := range ss {
		t.Rows = append(t.Rows, []string{s.GetName(), s.GetDisplayName(), strconv.FormatBool(s.GetDisabled()), age(s.GetCreateTime())})
	}
	return t
}

func apiKeyTable(ks ...*identityv1.ApiKey) output.Table {
	t := output.Table{Header: []string{"ID", "OWNER", "NAME", "PREFIX", "REVOKED", "LAST USED", "AGE"}}
	for _, k := range ks {
		t.Rows = append(t.Rows, []string{k.GetId(), k.GetOwner(), k.GetDisplayName(), k.GetPrefix(),
			strconv.FormatBool(k.GetRevoked()), age(k.GetLastUseTime()), age(k.GetCreateTime())})
	}
	return t
}

func (a *app) serviceAccountsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "serviceaccounts",
		Aliases: []string{"serviceaccount", "sa"},
		Short:   "Landlord service accounts: non-human identities for CI and automation",
		Example: "  landlordctl serviceaccounts create ci\n  landlordctl apikeys create --owner serviceaccount:ci",
	}
	sa := &identityv1.ServiceAccount{}
	create := &cobra.Command{
		Use:     "create NAME",
		Short:   "Create a service account",
		Example: `  landlordctl serviceaccounts create ci --description "deploys from CI"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sa.Name = args[0]
			return a.identityCall(cmd, func(ctx context.Context, c *identityConn) error {
				resp, err := c.sa.CreateServiceAccount(ctx, &identityv1.CreateServiceAccountRequest{ServiceAccount: sa})
				if err != nil {
					return err
				}
				return a.print(resp.GetServiceAccount(), serviceAccountTable(resp.GetServiceAccount()))
			})
		},
	}
	create.Flags().StringVar(&sa.DisplayName, "display-name", "", "a human-readable name")
	create.Flags().StringVar(&sa.Description, "description", "", "what it is for")
	cmd.AddCommand(create, &cobra.Command{
		Use:     "list",
		Short:   "List service accounts",
		Example: "  landlordctl serviceaccounts list",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.identityCall(cmd, func(ctx context.Context, c *identityConn) error {
				serviceAccounts, err := allPages(func(page string) ([]*identityv1.ServiceAccount, string, error) {
					resp, err := c.sa.ListServiceAccounts(ctx, &identityv1.ListServiceAccountsRequest{PageToken: page})
					return resp.GetServiceAccounts(), resp.GetNextPageToken(), err
				})
				if err != nil {
					return err
				}
				return a.print(&identityv1.ListServiceAccountsResponse{ServiceAccounts: serviceAccounts}, serviceAccountTable(serviceAccounts...))
			})
		},
	}, &cobra.Command{
		Use:     "delete NAME",
		Short:   "Delete a service account and revoke its keys",
		Example: "  landlordctl serviceaccounts delete ci",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.identityCall(cmd, func(ctx context.Context, c *identityConn) error {
				if _, err := c.sa.DeleteServiceAccount(ctx, &identityv1.DeleteServiceAccountRequest{Name: args[0]}); err != nil {
					return err
				}
				fmt.Fprintf(a.out, "Service account %s deleted.\n", args[0])
				return nil
			})
		},
	})
	return cmd
}

func (a *app) apiKeysCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "apikeys",
		Aliases: []string{"apikey"},
		Short:   "API keys: long-lived secrets traded for tokens (login --api-key)",
		Example: "  landlordctl apikeys create --owner serviceaccount:ci --name deploy\n  landlordctl apikeys list --owner serviceaccount:ci",
	}
	key := &identityv1.ApiKey{}
	var expiresIn time.Duration
	create := &cobra.Command{
		Use:   "create --owner SUBJECT",
		Short: "Create an API key; its secret is printed once, and only now",
		Example: `  landlordctl apikeys create --owner serviceaccount:ci --name deploy
  KEY=$(landlordctl apikeys create --owner serviceaccount:ci -o json | jq -r .secret)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			key.Owner = subject(key.Owner)
			key.ExpireTime = timestamppb.New(time.Now().Add(expiresIn))
			return a.identityCall(cmd, func(ctx context.Context, c *identityConn) error {
				resp, err := c.keys.CreateApiKey(ctx, &identityv1.CreateApiKeyRequest{ApiKey: key})
				if err != nil {
					return err
				}
				t := apiKeyTable(resp.GetApiKey())
				t.Header, t.Rows[0] = append(t.Header, "SECRET (shown once)"), append(t.Rows[0], resp.GetSecret())
				return a.print(resp, t)
			})
		},
	}
	create.Flags().StringVar(&key.Owner, "owner", "", "user:NAME or serviceaccount:NAME (required)")
	create.Flags().StringVar(&key.DisplayName, "name", "", "what the key is for")
	create.Flags().DurationVar(&expiresIn, "expires-in", 90*24*time.Hour, "how long the key works (at most a year)")
	_ = create.MarkFlagRequired("owner")
	var owner string
	list := &cobra.Command{
		Use:     "list --owner SUBJECT",
		Short:   "List a user's or service account's API keys (never their secrets)",
		Example: "  landlordctl apikeys list --owner serviceaccount:ci",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.identityCall(cmd, func(ctx context.Context, c *identityConn) error {
				resp, err := c.keys.ListApiKeys(ctx, &identityv1.ListApiKeysRequest{Owner: subject(owner)})
				if err != nil {
					return err
				}
				return a.print(resp, apiKeyTable(resp.GetApiKeys()...))
			})
		},
	}
	list.Flags().StringVar(&owner, "owner", "", "user:NAME or serviceaccount:NAME (required)")
	_ = list.MarkFlagRequired("owner")
	cmd.AddCommand(create, list, &cobra.Command{
		Use:     "revoke ID",
		Short:   "Revoke an API key: it stops working at once",
		Example: "  landlordctl apikeys revoke 0123456789abcdef01234567",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.identityCall(cmd, func(ctx context.Context, c *identityConn) error {
				resp, err := c.keys.RevokeApiKey(ctx, &identityv1.RevokeApiKeyRequest{Id: args[0]})
				if err != nil {
					return err
				}
				return a.print(resp.GetApiKey(), apiKeyTable(resp.GetApiKey()))
			})
		},
	})
	return cmd
}
