package api

import (
	"context"
	"fmt"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/auth"
	"github.com/landlord-dev/landlord/services/identity/internal/device"
	"github.com/landlord-dev/landlord/services/internal/authn"
	"github.com/landlord-dev/landlord/services/internal/grpcmw"
	"github.com/landlord-dev/landlord/services/internal/ratelimit"
)

// The device login (RFC 8628): AuthServer's StartDeviceLogin,
// ApproveDeviceLogin and PollDeviceLogin. device.Pending keeps the pending
// logins; auth checks the approving session and issues the device's.

func (s *AuthServer) StartDeviceLogin(ctx context.Context, _ *identityv1.StartDeviceLoginRequest) (*identityv1.StartDeviceLoginResponse, error) {
	if err := s.Auth.Admit(ctx, ""); err != nil {
		return nil, err
	}
	started, err := s.Device.Start(ratelimit.ClientAddress(ctx))
	if err != nil {
		return nil, err
	}
	return &identityv1.StartDeviceLoginResponse{
		DeviceCode: started.DeviceCode, UserCode: started.UserCode,
		ExpiresIn: int32(started.ExpiresIn.Seconds()), Interval: int32(started.Interval.Seconds()),
		Verification: fmt.Sprintf(`landlordctl login approve %s (or POST /v1/auth/device:approve {"userCode":"%s"})`,
			started.UserCode, started.UserCode),
	}, nil
}

func (s *AuthServer) ApproveDeviceLogin(ctx context.Context, req *identityv1.ApproveDeviceLoginRequest) (*identityv1.ApproveDeviceLoginResponse, error) {
	claims, err := authn.Claims(ctx)
	if err != nil {
		return nil, err
	}
	ref := auth.SessionRef{Subject: claims.Subject, UID: claims.UID, SessionID: claims.SessionID}
	if err := s.Auth.CheckSession(ctx, ref); err != nil {
		return nil, err
	}
	if err := s.Device.Approve(req.GetUserCode(), device.Approval(ref), req.GetDeny()); err != nil {
		return nil, err
	}
	return &identityv1.ApproveDeviceLoginResponse{}, nil
}

func (s *AuthServer) PollDeviceLogin(ctx context.Context, req *identityv1.PollDeviceLoginRequest) (*identityv1.PollDeviceLoginResponse, error) {
	if err := s.Auth.Admit(ctx, ""); err != nil {
		return nil, err
	}
	approval, userCode, err := s.Device.Poll(req.GetDeviceCode())
	if err != nil {
		return nil, err
	}
	// The audit event names the user the device signed in as, not the
	// secret it polled with.
	grpcmw.NoteAudit(ctx, approval.Subject, "devicelogins/"+userCode)
	tokens, err := s.Auth.DeviceLogin(ctx, auth.SessionRef(approval))
	if err != nil {
		return nil, err
	}
	return &identityv1.PollDeviceLoginResponse{Tokens: tokens}, nil
}
