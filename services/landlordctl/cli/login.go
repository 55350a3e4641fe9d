package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/landlordctl/config"
	"github.com/landlord-dev/landlord/services/landlordctl/errmap"
)

func (a *app) loginCmd() *cobra.Command {
	var (
		username, tenant, apiKey string
		passwordStdin, device    bool
		c                        = config.Defaults()
	)
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Log in to Landlord with a password, an API key or another device's approval",
		Long: `Log in and store the session's tokens (mode 0600) in the config directory,
together with where the services are (config.yaml). The address flags default
to what "make run" serves, or to what the last login saved.

With --device, no password is typed here: landlordctl shows a code, which you
approve with "landlordctl login approve CODE" on a machine where you are
logged in, and then signs in as you (a CI runner, a headless box).`,
		Example: `  # Prompt for the password
  landlordctl login -u ann

  # Non-interactive: the password on stdin
  printf '%s' "$PASSWORD" | landlordctl login -u ann --password-stdin

  # A service account's API key (from $LANDLORD_API_KEY if --api-key is empty)
  landlordctl login --api-key "$KEY"

  # On a machine without your password: approve the code it shows elsewhere
  landlordctl login --device
  landlordctl login approve ABCD-EFGH        # where you are logged in

  # Another Landlord
  landlordctl login -u ann --identity id.example.com:443 --ca ca.crt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Flags set now override what the last login saved.
			saved, err := config.Load(a.dir)
			if err != nil {
				return err
			}
			fs := cmd.Flags()
			for _, o := range []struct {
				flag     string
				dst, val *string
			}{{"identity", &saved.Identity, &c.Identity}, {"provisioning", &saved.Provisioning, &c.Provisioning},
				{"quota", &saved.Quota, &c.Quota}, {"observability", &saved.Observability, &c.Observability},
				{"ca", &saved.CA, &c.CA}, {"devcluster-env", &saved.DevClusterEnv, &c.DevClusterEnv}} {
				if fs.Changed(o.flag) {
					*o.dst = *o.val
				}
			}
			a.cfg = &saved
			if device && (username != "" || apiKey != "" || passwordStdin || tenant != "") {
				return errors.New("--device takes no --username, --password-stdin, --api-key or --tenant")
			}
			if apiKey == "" && username == "" && !device {
				apiKey = os.Getenv("LANDLORD_API_KEY")
			}
			conn, err := a.identity()
			if err != nil {
				return err
			}
			auth := identityv1.NewAuthServiceClient(conn)
			var ts *identityv1.TokenSet
			if device {
				ts, err = a.deviceLogin(cmd.Context(), auth, sleep, time.Now)
				if err != nil {
					return err
				}
			} else if apiKey != "" {
				resp, err := auth.ExchangeApiKey(cmd.Context(), &identityv1.ExchangeApiKeyRequest{Secret: apiKey, Tenant: tenant})
				if err != nil {
					return err
				}
				ts = resp.GetTokens()
			} else {
				password, err := a.credentialsFromUser(&username, passwordStdin)
				if err != nil {
					return err
				}
				resp, err := auth.Login(cmd.Context(), &identityv1.LoginRequest{Username: username, Password: password, Tenant: tenant})
				if err != nil {
					return err
				}
				ts = resp.GetTokens()
			}
			if err := config.Save(a.dir, saved); err != nil {
				return err
			}
			if err := a.store().Save(fromTokenSet(ts)); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Logged in to %s.\n", saved.Identity)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&username, "username", "u", "", "user name (prompted for if empty)")
	f.BoolVar(&passwordStdin, "password-stdin", false, "read the password from stdin")
	f.BoolVar(&device, "device", false, "log in by approving a code from another device where you are logged in")
	f.StringVar(&apiKey, "api-key", "", "log in with this API key instead of a password")
	f.StringVar(&tenant, "tenant", "", "scope the session to one tenant")
	f.StringVar(&c.Identity, "identity", c.Identity, "identity service address")
	f.StringVar(&c.Provisioning, "provisioning", c.Provisioning, "provisioning service address")
	f.StringVar(&c.Quota, "quota", c.Quota, "quota service address")
	f.StringVar(&c.Observability, "observability", c.Observability, "observability service address")
	f.StringVar(&c.CA, "ca", c.CA, "the Landlord CA certificate")
	f.StringVar(&c.DevClusterEnv, "devcluster-env", c.DevClusterEnv, "the dev cluster's landlord-dev.json (for kubeconfig)")
	cmd.AddCommand(a.loginApproveCmd())
	return cmd
}

// credentialsFromUser reads a missing user name and the password from
// stdin or, without echo, from the terminal.
func (a *app) credentialsFromUser(username *string, passwordStdin bool) (string, error) {
	in := bufio.NewReader(a.in)
	if *username == "" {
		if passwordStdin {
			return "", errors.New("--password-stdin needs --username")
		}
		fmt.Fprint(a.out, "Username: ")
		line, err := in.ReadString('\n')
		if err != nil && line == "" {
			return "", fmt.Errorf("reading the user name: %w", err)
		}
		*username = strings.TrimSpace(line)
	}
	if passwordStdin {
		data, err := io.ReadAll(in)
		if err != nil {
			return "", err
		}
		return strings.TrimRight(string(data), "\r\n"), nil
	}
	f, ok := a.in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("no terminal to prompt for the password: use --password-stdin")
	}
	fmt.Fprint(a.out, "Password: ")
	pw, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(a.out)
	return string(pw), err
}

func (a *app) logoutCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "logout",
		Short:   "Revoke the session's refresh token and forget its tokens",
		Example: "  landlordctl logout",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := a.store().Load()
			if err != nil {
				return err
			}
			var revokeErr error
			if t.RefreshToken != "" {
				conn, err := a.identity()
				if err == nil {
					_, err = identityv1.NewAuthServiceClient(conn).Logout(cmd.Context(), &identityv1.LogoutRequest{RefreshToken: t.RefreshToken})
				}
				revokeErr = err
			}
			// Forget the tokens even if identity could not be told:
			// logging out locally must always work.
			if err := a.store().Delete(); err != nil {
				return err
			}
			if revokeErr != nil {
				return fmt.Errorf("logged out here, but revoking the session failed: %s", errmap.Line(revokeErr))
			}
			fmt.Fprintln(a.out, "Logged out.")
			return nil
		},
	}
}

func (a *app) whoamiCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "whoami",
		Short:   "Show who you are logged in as, and your tenant roles",
		Example: "  landlordctl whoami\n  landlordctl whoami -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, err := a.authed(cmd.Context())
			if err != nil {
				return err
			}
			conn, err := a.identity()
			if err != nil {
				return err
			}
			resp, err := identityv1.NewAuthServiceClient(conn).WhoAmI(ctx, &identityv1.WhoAmIRequest{})
			if err != nil {
				return err
			}
			return a.print(resp, whoamiTable(resp))
		},
	}
}
