package api

import (
	"context"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/audit"
)

// AuditServer serves identity.v1.AuditService.
type AuditServer struct {
	identityv1.UnimplementedAuditServiceServer
	Log *audit.Log
}

func (s *AuditServer) ListAuditEvents(ctx context.Context, req *identityv1.ListAuditEventsRequest) (*identityv1.ListAuditEventsResponse, error) {
	events, next, err := s.Log.List(ctx, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	return &identityv1.ListAuditEventsResponse{Events: events, NextPageToken: next}, nil
}
