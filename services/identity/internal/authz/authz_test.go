package authz_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/authz"
	"github.com/landlord-dev/landlord/services/identity/internal/signing"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

// TestSubjectChecksFollowTheStore checks named subjects against stored
// memberships: the role decides, strangers and unknown users are denied,
// and only platform admins may ask about someone else.
func TestSubjectChecksFollowTheStore(t *testing.T) {
	s := seed(t, filepath.Join(t.TempDir(), "authz.db"), 3)
	defer s.Close()
	svc := &authz.Service{Store: s}
	check := func(subject, tenant string, p identityv1.Permission) bool {
		t.Helper()
		resp, err := svc.Check(context.Background(), true, &identityv1.CheckRequest{
			Principal: &identityv1.CheckRequest_Subject{Subject: subject}, Tenant: tenant, Permission: p})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetAllowed()
	}
	// seed makes user-00000 viewer of tenant-0000 and editor of tenant-0013.
	if !check("user:user-00000", "tenant-0000", identityv1.Permission_PERMISSION_TENANT_GET) {
		t.Error("viewer denied TENANT_GET")
	}
	if check("user:user-00000", "tenant-0000", identityv1.Permission_PERMISSION_WORKLOADS_WRITE) {
		t.Error("viewer allowed WORKLOADS_WRITE")
	}
	if !check("user:user-00000", "tenant-0013", identityv1.Permission_PERMISSION_WORKLOADS_WRITE) {
		t.Error("editor denied WORKLOADS_WRITE")
	}
	if check("user:user-00000", "tenant-1999", identityv1.Permission_PERMISSION_TENANT_GET) {
		t.Error("stranger allowed TENANT_GET")
	}
	if check("user:nobody", "tenant-0000", identityv1.Permission_PERMISSION_TENANT_GET) {
		t.Error("unknown user allowed")
	}
	_, err := svc.Check(context.Background(), false, &identityv1.CheckRequest{
		Principal: &identityv1.CheckRequest_Subject{Subject: "user:user-00000"}, Tenant: "tenant-0000",
		Permission: identityv1.Permission_PERMISSION_TENANT_GET})
	if !errors.Is(err, apierror.ErrPermissionDenied) {
		t.Errorf("non-admin checking a subject: %v, want permission denied", err)
	}
}

// TestTokenChecksNeedTheSameUserRecord: a token's roles count while its
// user is the record it was issued to; a token of a deleted user, or of
// an earlier user with the same name, gets nothing.
func TestTokenChecksNeedTheSameUserRecord(t *testing.T) {
	s := seed(t, filepath.Join(t.TempDir(), "authz.db"), 1) // user-00000, uid user-00000-uid
	defer s.Close()
	key, err := signing.Generate(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ring, err := signing.NewKeyring(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := &authz.Service{Store: s, Verifier: &tokenverify.Verifier{Issuer: "https://identity.test", Audience: "landlord", Keys: ring}}
	allowed := func(sub, uid string) bool {
		t.Helper()
		token, err := ring.Sign(&tokenverify.Claims{Issuer: "https://identity.test", Audience: []string{"landlord"}, Subject: sub, Username: sub,
			UID: uid, Groups: []string{"landlord:tenant:tenant-0000:viewer"}, IssuedAt: time.Now(), Expiry: time.Now().Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := svc.Check(context.Background(), false, &identityv1.CheckRequest{
			Principal: &identityv1.CheckRequest_Token{Token: token}, Tenant: "tenant-0000", Permission: identityv1.Permission_PERMISSION_TENANT_GET})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetAllowed()
	}
	if !allowed("user:user-00000", "user-00000-uid") {
		t.Error("the user's own token denied")
	}
	if allowed("user:user-00000", "earlier-uid") {
		t.Error("a token of an earlier user with the name allowed")
	}
	if allowed("user:user-99999", "user-99999-uid") {
		t.Error("a token of a deleted user allowed")
	}
}
