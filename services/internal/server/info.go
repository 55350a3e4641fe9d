package server

import (
	"context"

	metav1 "github.com/landlord-dev/landlord/gen/go/landlord/meta/v1"
	"github.com/landlord-dev/landlord/services/internal/buildinfo"
)

// infoServer answers GetInfo for every Landlord binary.
type infoServer struct {
	metav1.UnimplementedInfoServiceServer
	service string
}

func (s infoServer) GetInfo(context.Context, *metav1.GetInfoRequest) (*metav1.GetInfoResponse, error) {
	return &metav1.GetInfoResponse{Info: buildinfo.Info(s.service)}, nil
}
