package api

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/keys"
	"github.com/landlord-dev/landlord/services/identity/internal/signing"
)

// SigningKeyServer serves identity.v1.SigningKeyService.
type SigningKeyServer struct {
	identityv1.UnimplementedSigningKeyServiceServer
	Keys *keys.Manager
}

func (s *SigningKeyServer) ListSigningKeys(ctx context.Context, _ *identityv1.ListSigningKeysRequest) (*identityv1.ListSigningKeysResponse, error) {
	return &identityv1.ListSigningKeysResponse{Keys: describe(s.Keys.Keyring())}, nil
}

func (s *SigningKeyServer) RotateSigningKey(ctx context.Context, _ *identityv1.RotateSigningKeyRequest) (*identityv1.RotateSigningKeyResponse, error) {
	ring, err := s.Keys.Rotate(ctx, time.Now())
	if err != nil {
		return nil, err
	}
	return &identityv1.RotateSigningKeyResponse{Keys: describe(ring)}, nil
}

func describe(ring *signing.Keyring) []*identityv1.SigningKey {
	var out []*identityv1.SigningKey
	for _, k := range ring.All() {
		key := &identityv1.SigningKey{Kid: k.ID, CreateTime: timestamppb.New(k.Created), State: identityv1.SigningKey_STATE_RETIRED}
		switch {
		case k == ring.Active():
			key.State = identityv1.SigningKey_STATE_ACTIVE
		case k == ring.Next():
			key.State = identityv1.SigningKey_STATE_NEXT
		default:
			key.RetireTime = timestamppb.New(k.Retired)
		}
		out = append(out, key)
	}
	return out
}
