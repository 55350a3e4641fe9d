package api_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/url"
	"testing"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/api"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/identity/internal/store/storetest"
	"github.com/landlord-dev/landlord/services/internal/access"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/authn"
	"github.com/landlord-dev/landlord/services/internal/roles"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

// verified stands for the bearer-token check: it admits the claims given.
type verified struct{ claims *tokenverify.Claims }

func (v verified) Authenticate(ctx context.Context, _ string) (context.Context, error) {
	return authn.WithClaims(ctx, v.claims), nil
}

// TestTokensDieWithTheirSubjectsRecord: identity admits a token only while
// the record it was issued to (its uid) is its subject's current one.
func TestTokensDieWithTheirSubjectsRecord(t *testing.T) {
	s := storetest.Bolt(t)
	err := s.Write(context.Background(), func(tx store.Tx) error {
		if err := tx.PutUser(&storagev1.UserRecord{User: &identityv1.User{Name: "ann"}, Uid: "ann-2"}); err != nil {
			return err
		}
		return tx.PutServiceAccount(&storagev1.ServiceAccountRecord{ServiceAccount: &identityv1.ServiceAccount{Name: "ci"}, Uid: "ci-1"})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		subject, uid string
		ok           bool
	}{
		{"user:ann", "ann-2", true},
		{"user:ann", "ann-1", false}, // the ann deleted before this one was created
		{"user:bob", "bob-1", false}, // deleted
		{"serviceaccount:ci", "ci-1", true},
		{"serviceaccount:ci", "ci-0", false},
		{"user:bob", "", true}, // issued before uids: taken as is until it expires
	} {
		a := api.CurrentSubjects(verified{&tokenverify.Claims{Subject: c.subject, UID: c.uid}}, s)
		ctx, err := a.Authenticate(context.Background(), "/any")
		switch {
		case c.ok && err != nil:
			t.Errorf("token of %s (uid %q): %v", c.subject, c.uid, err)
		case c.ok:
			if claims, err := authn.Claims(ctx); err != nil || claims.Subject != c.subject {
				t.Errorf("token of %s: claims %v, %v", c.subject, claims, err)
			}
		case !errors.Is(err, apierror.ErrUnauthenticated):
			t.Errorf("token of %s (uid %q): %v, want unauthenticated", c.subject, c.uid, err)
		}
	}
}

// TestOnlyProvisioningDeletesATenantsMemberships: the row admits the
// provisioning service by its verified client certificate, and no token,
// not even a platform admin's.
func TestOnlyProvisioningDeletesATenantsMemberships(t *testing.T) {
	onlyProvisioning(t, identityv1.MembershipService_DeleteTenantMemberships_FullMethodName, true)
}

// TestOnlyProvisioningSetsTenantTiers: likewise for the tiers tokens
// carry, which decide how the API server classifies a tenant's members.
func TestOnlyProvisioningSetsTenantTiers(t *testing.T) {
	onlyProvisioning(t, identityv1.MembershipService_SetTenantTiers_FullMethodName, false)
}

func onlyProvisioning(t *testing.T, method string, audited bool) {
	table := api.Access(nil)
	rule, ok := table.Rule(method)
	if !ok || rule.Who != access.LandlordService || rule.Audit != audited {
		t.Fatalf("rule = %+v, want an internal one, audited %v", rule, audited)
	}
	admin := authn.WithClaims(context.Background(), &tokenverify.Claims{Subject: "user:root", UID: "root-1", Groups: []string{roles.PlatformAdminGroup}})
	if err := table.AdmitsCaller(admin, rule); !errors.Is(err, apierror.ErrPermissionDenied) {
		t.Errorf("platform admin's token: %v, want permission denied", err)
	}
	if err := table.AdmitsCaller(context.Background(), rule); !errors.Is(err, apierror.ErrPermissionDenied) {
		t.Errorf("no credentials: %v, want permission denied", err)
	}
	for service, want := range map[string]error{"provisioning": nil, "quota": apierror.ErrPermissionDenied} {
		uri, _ := url.Parse(access.ServiceURI(service))
		cert := &x509.Certificate{URIs: []*url.URL{uri}}
		state := tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{cert}}}
		ctx := peer.NewContext(admin, &peer.Peer{AuthInfo: credentials.TLSInfo{State: state}})
		if err := table.AdmitsCaller(ctx, rule); !errors.Is(err, want) {
			t.Errorf("the %s service's client certificate: %v, want %v", service, err, want)
		}
	}
}
