package identity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"
	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
)

// TestServiceAccountSignsInWithAnAPIKey: automation gets a service account
// and a key, trades the key for tokens that Kubernetes accepts, and loses
// access when the key is revoked.
func TestServiceAccountSignsInWithAnAPIKey(t *testing.T) {
	id := startIdentity(t, t.TempDir())
	admin := bearer(id.login(t, identity.BootstrapAdmin, id.adminPassword(t), "").GetAccessToken())
	sas := identityv1.NewServiceAccountServiceClient(id.conn)
	keys := identityv1.NewApiKeyServiceClient(id.conn)
	auth := identityv1.NewAuthServiceClient(id.conn)

	if _, err := sas.CreateServiceAccount(admin, &identityv1.CreateServiceAccountRequest{ServiceAccount: &identityv1.ServiceAccount{Name: "ci", Description: "deploys acme"}}); err != nil {
		t.Fatal(err)
	}
	_, err := sas.CreateServiceAccount(admin, &identityv1.CreateServiceAccountRequest{ServiceAccount: &identityv1.ServiceAccount{Name: "ci"}})
	code(t, err, codes.AlreadyExists, "duplicate service account")
	if _, err := identityv1.NewMembershipServiceClient(id.conn).SetMembership(admin, &identityv1.SetMembershipRequest{Membership: &identityv1.Membership{
		Tenant: "acme", Subject: "serviceaccount:ci", Role: identityv1.Role_ROLE_VIEWER}}); err != nil {
		t.Fatal(err)
	}
	created, err := keys.CreateApiKey(admin, &identityv1.CreateApiKeyRequest{ApiKey: &identityv1.ApiKey{
		Owner: "serviceaccount:ci", DisplayName: "pipeline", ExpireTime: timestamppb.New(time.Now().Add(24 * time.Hour))}})
	if err != nil {
		t.Fatal(err)
	}
	secret := created.GetSecret()
	if !strings.HasPrefix(secret, created.GetApiKey().GetPrefix()) || len(secret) < 40 {
		t.Fatalf("secret %q does not start with prefix %q", secret, created.GetApiKey().GetPrefix())
	}

	exchanged, err := auth.ExchangeApiKey(context.Background(), &identityv1.ExchangeApiKeyRequest{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	if exchanged.GetTokens().GetRefreshToken() != "" {
		t.Error("API key exchange returned a refresh token")
	}
	token := exchanged.GetTokens().GetAccessToken()
	who, err := auth.WhoAmI(bearer(token), &identityv1.WhoAmIRequest{})
	if err != nil || who.GetSubject() != "serviceaccount:ci" || len(who.GetMemberships()) != 1 {
		t.Errorf("WhoAmI = %v, %v", who, err)
	}
	listed, err := keys.ListApiKeys(admin, &identityv1.ListApiKeysRequest{Owner: "serviceaccount:ci"})
	if err != nil || len(listed.GetApiKeys()) != 1 || listed.GetApiKeys()[0].GetLastUseTime() == nil {
		t.Errorf("ListApiKeys = %v, %v; want one key with a last use time", listed, err)
	}

	env := devclustertest.Env(t)
	var review *authnv1.SelfSubjectReview
	devclustertest.Eventually(t, 60*time.Second, func() (err error) {
		review, err = as(t, env, token).AuthenticationV1().SelfSubjectReviews().Create(context.Background(), &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
		return err
	})
	if got := review.Status.UserInfo.Username; got != "landlord:serviceaccount:ci" {
		t.Errorf("kubernetes sees %q", got)
	}

	if _, err := keys.RevokeApiKey(admin, &identityv1.RevokeApiKeyRequest{Id: created.GetApiKey().GetId()}); err != nil {
		t.Fatal(err)
	}
	_, err = auth.ExchangeApiKey(context.Background(), &identityv1.ExchangeApiKeyRequest{Secret: secret})
	code(t, err, codes.Unauthenticated, "revoked key")
	_, err = auth.ExchangeApiKey(context.Background(), &identityv1.ExchangeApiKeyRequest{Secret: "llk_0000_garbage"})
	code(t, err, codes.Unauthenticated, "unknown key")
}

func TestUsersManageOnlyTheirOwnKeys(t *testing.T) {
	id := startIdentity(t, t.TempDir())
	admin := bearer(id.login(t, identity.BootstrapAdmin, id.adminPassword(t), "").GetAccessToken())
	if _, err := identityv1.NewUserServiceClient(id.conn).CreateUser(admin, &identityv1.CreateUserRequest{
		User: &identityv1.User{Name: "dan"}, Password: "dan's long password"}); err != nil {
		t.Fatal(err)
	}
	dan := bearer(id.login(t, "dan", "dan's long password", "").GetAccessToken())
	keys := identityv1.NewApiKeyServiceClient(id.conn)
	tomorrow := timestamppb.New(time.Now().Add(24 * time.Hour))

	own, err := keys.CreateApiKey(dan, &identityv1.CreateApiKeyRequest{ApiKey: &identityv1.ApiKey{Owner: "user:dan", ExpireTime: tomorrow}})
	if err != nil {
		t.Fatal(err)
	}
	exchanged, err := identityv1.NewAuthServiceClient(id.conn).ExchangeApiKey(context.Background(), &identityv1.ExchangeApiKeyRequest{Secret: own.GetSecret()})
	if err != nil {
		t.Fatal(err)
	}
	who, err := identityv1.NewAuthServiceClient(id.conn).WhoAmI(bearer(exchanged.GetTokens().GetAccessToken()), &identityv1.WhoAmIRequest{})
	if err != nil || who.GetUsername() != "dan" {
		t.Errorf("a user's key signs in as the user: %v, %v", who, err)
	}
	_, err = keys.CreateApiKey(dan, &identityv1.CreateApiKeyRequest{ApiKey: &identityv1.ApiKey{Owner: "user:admin", ExpireTime: tomorrow}})
	code(t, err, codes.NotFound, "key for another user")
	_, err = keys.RevokeApiKey(dan, &identityv1.RevokeApiKeyRequest{Id: "0123456789abcdef01234567"})
	code(t, err, codes.NotFound, "revoking an unknown key")
	_, err = keys.RevokeApiKey(dan, &identityv1.RevokeApiKeyRequest{Id: "../../etc/passwd"})
	code(t, err, codes.InvalidArgument, "revoking a key by a path")
	_, err = keys.CreateApiKey(dan, &identityv1.CreateApiKeyRequest{ApiKey: &identityv1.ApiKey{Owner: "user:dan"}})
	code(t, err, codes.InvalidArgument, "key without expiry")
	_, err = keys.CreateApiKey(dan, &identityv1.CreateApiKeyRequest{ApiKey: &identityv1.ApiKey{Owner: "user:dan", ExpireTime: timestamppb.New(time.Now().Add(5 * 365 * 24 * time.Hour))}})
	code(t, err, codes.InvalidArgument, "key living five years")
	_, err = identityv1.NewServiceAccountServiceClient(id.conn).CreateServiceAccount(dan, &identityv1.CreateServiceAccountRequest{ServiceAccount: &identityv1.ServiceAccount{Name: "mine"}})
	code(t, err, codes.PermissionDenied, "non-admin creating a service account")
}
