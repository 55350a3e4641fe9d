package server

import (
	"context"

	"golang.org/x/sync/errgroup"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// serveWhenReady sets health SERVING, at once or, with Config.Ready, once
// Ready returns nil; until then health says NOT_SERVING. Shutdown turns it
// NOT_SERVING for good, even if Ready returns later.
func (s *Server) serveWhenReady(ctx context.Context, g *errgroup.Group) {
	if s.cfg.Ready == nil {
		s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
		return
	}
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	g.Go(func() error {
		if err := s.cfg.Ready(ctx); err != nil {
			if ctx.Err() == nil {
				s.cfg.Logger.Error("not ready", "error", err.Error())
			}
			return nil
		}
		s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
		s.cfg.Logger.Info("ready")
		return nil
	})
}
