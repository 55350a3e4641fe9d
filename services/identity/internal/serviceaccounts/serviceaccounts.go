// Package serviceaccounts manages non-human identities. Callers have
// checked that the caller is a platform admin.
package serviceaccounts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/page"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/subject"
)

// Service manages service accounts.
type Service struct {
	Store store.Store
	Now   func() time.Time
}

func present(rec *storagev1.ServiceAccountRecord) *identityv1.ServiceAccount {
	sa := proto.Clone(rec.GetServiceAccount()).(*identityv1.ServiceAccount)
	sa.Etag = page.Etag(rec.GetRevision())
	return sa
}

// Create stores a new service account.
func (s *Service) Create(ctx context.Context, in *identityv1.ServiceAccount) (*identityv1.ServiceAccount, error) {
	if in.GetName() == "" {
		return nil, apierror.InvalidArgument("service_account.name", "required")
	}
	rec := &storagev1.ServiceAccountRecord{Revision: 1, Uid: store.NewUID(), ServiceAccount: &identityv1.ServiceAccount{
		Name: in.GetName(), DisplayName: in.GetDisplayName(), Description: in.GetDescription(),
		Disabled: in.GetDisabled(), CreateTime: timestamppb.New(s.Now())}}
	err := s.Store.Write(ctx, func(tx store.Tx) error {
		_, err := tx.GetServiceAccount(in.GetName())
		if err == nil {
			return fmt.Errorf("service account %q: %w", in.GetName(), apierror.ErrAlreadyExists)
		}
		if !errors.Is(err, apierror.ErrNotFound) {
			return err
		}
		return tx.PutServiceAccount(rec)
	})
	if err != nil {
		return nil, err
	}
	return present(rec), nil
}

// List returns one page in name order.
func (s *Service) List(ctx context.Context, size int32, token string) ([]*identityv1.ServiceAccount, string, error) {
	recs, next, err := page.Fetch(ctx, s.Store, "serviceaccounts", size, token, store.Tx.ListServiceAccounts,
		func(r *storagev1.ServiceAccountRecord) string { return r.GetServiceAccount().GetName() })
	out := make([]*identityv1.ServiceAccount, len(recs))
	for i, r := range recs {
		out[i] = present(r)
	}
	return out, next, err
}

// Delete removes a service account with its keys and memberships.
func (s *Service) Delete(ctx context.Context, name string) error {
	return s.Store.Write(ctx, func(tx store.Tx) error { return remove(tx, name) })
}

// removeTx is what deleting a service account touches: the account, its
// API keys and its memberships.
type removeTx interface {
	store.ServiceAccounts
	store.ApiKeys
	store.Memberships
}

func remove(tx removeTx, name string) error {
	if _, err := tx.GetServiceAccount(name); err != nil {
		return err
	}
	sub := subject.ServiceAccount(name).String()
	keys, err := tx.ApiKeysOf(sub)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := tx.DeleteApiKey(k.GetApiKey().GetId()); err != nil {
			return err
		}
	}
	memberships, err := tx.MembershipsOf(sub)
	if err != nil {
		return err
	}
	for _, m := range memberships {
		if err := tx.DeleteMembership(m.GetMembership().GetTenant(), sub); err != nil {
			return err
		}
	}
	return tx.DeleteServiceAccount(name)
}
