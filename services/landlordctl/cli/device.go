package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	metav1 "github.com/landlord-dev/landlord/gen/go/landlord/meta/v1"
	"github.com/landlord-dev/landlord/services/landlordctl/config"
)

// deviceClient is what a device login calls.
type deviceClient interface {
	StartDeviceLogin(ctx context.Context, in *identityv1.StartDeviceLoginRequest, opts ...grpc.CallOption) (*identityv1.StartDeviceLoginResponse, error)
	PollDeviceLogin(ctx context.Context, in *identityv1.PollDeviceLoginRequest, opts ...grpc.CallOption) (*identityv1.PollDeviceLoginResponse, error)
}

// sleepFunc waits d or until ctx ends.
type sleepFunc func(ctx context.Context, d time.Duration) error

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

var (
	errDeviceExpired = errors.New("the device login expired before anyone approved it; run `landlordctl login --device` again")
	errDeviceDenied  = errors.New("the device login was denied")
)

// deviceLogin runs a device login (RFC 8628): it shows the user code and
// how to approve it, then polls every interval (longer when identity says
// to slow down) until the login is approved, denied or expired.
func (a *app) deviceLogin(ctx context.Context, c deviceClient, wait sleepFunc, now func() time.Time) (*identityv1.TokenSet, error) {
	s, err := c.StartDeviceLogin(ctx, &identityv1.StartDeviceLoginRequest{})
	if err != nil {
		return nil, err
	}
	expires := now().Add(time.Duration(s.GetExpiresIn()) * time.Second)
	interval := max(time.Duration(s.GetInterval())*time.Second, time.Second)
	fmt.Fprintf(a.out, "To sign in, run on a machine where you are logged in:\n  landlordctl login approve %s\n"+
		"(or POST /v1/auth/device:approve {\"userCode\":%q} with your token, through the gateway).\n"+
		"Waiting for approval (the code expires in %s)...\n", s.GetUserCode(), s.GetUserCode(), time.Duration(s.GetExpiresIn())*time.Second)
	for {
		if !now().Add(interval).Before(expires) {
			return nil, errDeviceExpired
		}
		if err := wait(ctx, interval); err != nil {
			return nil, err
		}
		resp, err := c.PollDeviceLogin(ctx, &identityv1.PollDeviceLoginRequest{DeviceCode: s.GetDeviceCode()})
		if err == nil {
			return resp.GetTokens(), nil
		}
		st, _ := status.FromError(err)
		switch {
		case reason(st) == metav1.ErrorReason_ERROR_REASON_AUTHORIZATION_PENDING:
		case st.Code() == codes.ResourceExhausted: // slow_down
			interval = max(retryDelay(st), interval+5*time.Second)
		case st.Code() == codes.NotFound:
			return nil, errDeviceExpired
		case st.Code() == codes.PermissionDenied:
			return nil, errDeviceDenied
		default:
			return nil, err
		}
	}
}

func reason(st *status.Status) metav1.ErrorReason {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return metav1.ErrorReason(metav1.ErrorReason_value[info.GetReason()])
		}
	}
	return metav1.ErrorReason_ERROR_REASON_UNSPECIFIED
}

func retryDelay(st *status.Status) time.Duration {
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			return ri.GetRetryDelay().AsDuration()
		}
	}
	return 0
}

func (a *app) loginApproveCmd() *cobra.Command {
	var deny bool
	cmd := &cobra.Command{
		Use:   "approve CODE",
		Short: "Approve (or deny) another device's login, which then signs in as you",
		Long: `Approve the user code that "landlordctl login --device" shows on another
machine: that machine receives a session of its own as you, which ends when
yours would. Approve only a code you started yourself. Needs a password or
device login here (not an API key).`,
		Example: `  # On your laptop, logged in as yourself
  landlordctl login approve ABCD-EFGH

  # Refuse a code you did not start
  landlordctl login approve ABCD-EFGH --deny`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, conn, err := a.service(cmd.Context(), func(c config.Config) string { return c.Identity })
			if err != nil {
				return err
			}
			_, err = identityv1.NewAuthServiceClient(conn).ApproveDeviceLogin(ctx, &identityv1.ApproveDeviceLoginRequest{UserCode: args[0], Deny: deny})
			if err != nil {
				return err
			}
			if deny {
				fmt.Fprintf(a.out, "Denied device login %s.\n", args[0])
			} else {
				fmt.Fprintf(a.out, "Approved device login %s: that device is now signed in as you.\n", args[0])
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&deny, "deny", false, "deny the device login instead of approving it")
	return cmd
}
