package identity_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity"
	"github.com/landlord-dev/landlord/services/identity/internal/signing"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

// running is an identity service started the way the binary starts it.
type running struct {
	conn     *grpc.ClientConn
	stateDir string
	stop     func()
}

func startIdentity(t *testing.T, stateDir string) *running {
	t.Helper()
	return startIdentityWith(t, stateDir, nil)
}

// startIdentityWith starts identity with the defaults changed by tweak.
func startIdentityWith(t *testing.T, stateDir string, tweak func(*identity.Config)) *running {
	t.Helper()
	env := devclustertest.Env(t)
	cfg := identity.Defaults()
	if tweak != nil {
		tweak(&cfg)
	}
	cfg.StateDir = stateDir
	cfg.GRPCAddr, cfg.HTTPAddr = "127.0.0.1:0", ""
	cfg.Issuer, cfg.IssuerAddr, cfg.Audience = env.Identity.Issuer, env.Identity.Address, env.Identity.Audience
	cfg.TLSCert, cfg.TLSKey = env.Identity.TLSCert, env.Identity.TLSKey
	svc, err := identity.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	conn, err := grpc.NewClient(svc.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			conn.Close()
			cancel()
			if err := <-done; err != nil {
				t.Errorf("identity Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return &running{conn: conn, stateDir: stateDir, stop: stop}
}

func (r *running) login(t *testing.T, user, pw, tenant string) *identityv1.TokenSet {
	t.Helper()
	resp, err := identityv1.NewAuthServiceClient(r.conn).Login(context.Background(),
		&identityv1.LoginRequest{Username: user, Password: pw, Tenant: tenant})
	if err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	return resp.GetTokens()
}

func (r *running) adminPassword(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(r.stateDir, "bootstrap-admin"))
	if err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(filepath.Join(r.stateDir, "bootstrap-admin"))
	if info.Mode().Perm() != 0o600 {
		t.Errorf("bootstrap credentials mode %v, want 0600", info.Mode().Perm())
	}
	_, pw, _ := strings.Cut(string(data), "password: ")
	return strings.TrimSpace(pw)
}

func bearer(token string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
}

func code(t *testing.T, err error, want codes.Code, what string) {
	t.Helper()
	if status.Code(err) != want {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}

// TestUserBecomesTenantEditorInKubernetes walks the path a platform team
// and a tenant user take: the bootstrap admin signs in, creates a user and
// makes it editor of "acme"; the user signs in, and the real API server
// knows it as landlord:<user> in the group landlord:tenant:acme:editor.
func TestUserBecomesTenantEditorInKubernetes(t *testing.T) {
	id := startIdentity(t, t.TempDir())
	admin := bearer(id.login(t, identity.BootstrapAdmin, id.adminPassword(t), "").GetAccessToken())
	users := identityv1.NewUserServiceClient(id.conn)
	members := identityv1.NewMembershipServiceClient(id.conn)

	if _, err := users.CreateUser(admin, &identityv1.CreateUserRequest{
		User: &identityv1.User{Name: "ann", DisplayName: "Ann", Email: "ann@example.com"}, Password: "correct horse battery",
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := members.SetMembership(admin, &identityv1.SetMembershipRequest{Membership: &identityv1.Membership{
		Tenant: "acme", Subject: "user:ann", Role: identityv1.Role_ROLE_EDITOR}}); err != nil {
		t.Fatal(err)
	}
	tokens := id.login(t, "ann", "correct horse battery", "")

	who, err := identityv1.NewAuthServiceClient(id.conn).WhoAmI(bearer(tokens.GetAccessToken()), &identityv1.WhoAmIRequest{})
	if err != nil || who.GetUsername() != "ann" || len(who.GetMemberships()) != 1 || who.GetMemberships()[0].GetRole() != identityv1.Role_ROLE_EDITOR {
		t.Fatalf("WhoAmI = %v, %v", who, err)
	}

	checks := identityv1.NewAuthorizationServiceClient(id.conn)
	decide := func(ctx context.Context, req *identityv1.CheckRequest) bool {
		t.Helper()
		resp, err := checks.Check(ctx, req)
		if err != nil {
			t.Fatalf("Check %v: %v", req, err)
		}
		return resp.GetAllowed()
	}
	annToken := &identityv1.CheckRequest_Token{Token: tokens.GetAccessToken()}
	annCtx := bearer(tokens.GetAccessToken())
	if !decide(annCtx, &identityv1.CheckRequest{Principal: annToken, Tenant: "acme", Permission: identityv1.Permission_PERMISSION_WORKLOADS_WRITE}) {
		t.Error("editor denied WORKLOADS_WRITE on its tenant")
	}
	if decide(annCtx, &identityv1.CheckRequest{Principal: annToken, Tenant: "acme", Permission: identityv1.Permission_PERMISSION_TENANT_DELETE}) {
		t.Error("editor allowed TENANT_DELETE")
	}
	if decide(annCtx, &identityv1.CheckRequest{Principal: annToken, Tenant: "globex", Permission: identityv1.Permission_PERMISSION_TENANT_GET}) {
		t.Error("editor of acme allowed into globex")
	}
	if !decide(admin, &identityv1.CheckRequest{Principal: &identityv1.CheckRequest_Subject{Subject: "user:ann"}, Tenant: "acme", Permission: identityv1.Permission_PERMISSION_TENANT_GET}) {
		t.Error("subject check for ann denied")
	}
	_, err = checks.Check(annCtx, &identityv1.CheckRequest{Principal: &identityv1.CheckRequest_Subject{Subject: "user:admin"}, Tenant: "acme", Permission: identityv1.Permission_PERMISSION_TENANT_GET})
	code(t, err, codes.PermissionDenied, "non-admin checking another subject")
	otherKey, _ := signing.Generate(time.Now())
	otherRing, _ := signing.NewKeyring(otherKey, nil)
	forged := sign(t, otherRing, &tokenverify.Claims{Issuer: devclustertest.Env(t).Identity.Issuer, Audience: []string{"landlord"},
		Subject: "user:ann", Username: "ann", Groups: []string{"landlord:tenant:acme:owner"}, IssuedAt: time.Now(), Expiry: time.Now().Add(time.Minute)})
	for name, bad := range map[string]string{"garbage": "forged.token.value", "signed by another key": forged, "alg none": unsigned(tokens.GetAccessToken())} {
		_, err = checks.Check(annCtx, &identityv1.CheckRequest{Principal: &identityv1.CheckRequest_Token{Token: bad}, Tenant: "acme", Permission: identityv1.Permission_PERMISSION_TENANT_GET})
		code(t, err, codes.Unauthenticated, "Check of a token "+name)
	}
	batch, err := checks.BatchCheck(annCtx, &identityv1.BatchCheckRequest{Checks: []*identityv1.CheckRequest{
		{Principal: annToken, Tenant: "acme", Permission: identityv1.Permission_PERMISSION_TENANT_GET},
		{Principal: annToken, Tenant: "acme", Permission: identityv1.Permission_PERMISSION_OWNERS_MANAGE},
	}})
	if err != nil || len(batch.GetResults()) != 2 || !batch.GetResults()[0].GetAllowed() || batch.GetResults()[1].GetAllowed() {
		t.Errorf("BatchCheck = %v, %v", batch, err)
	}

	env, kube := devclustertest.Env(t), devclustertest.Admin(t)
	ns := namespace(t, kube)
	bindEditors(t, kube, ns, "landlord:tenant:acme:editor")
	user := as(t, env, tokens.GetAccessToken())
	var review *authnv1.SelfSubjectReview
	devclustertest.Eventually(t, 60*time.Second, func() (err error) {
		review, err = user.AuthenticationV1().SelfSubjectReviews().Create(context.Background(), &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
		return err
	})
	if review.Status.UserInfo.Username != "landlord:ann" || !slices.Contains(review.Status.UserInfo.Groups, "landlord:tenant:acme:editor") {
		t.Errorf("kubernetes sees %+v", review.Status.UserInfo)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings"}}
	if _, err := user.CoreV1().ConfigMaps(ns).Create(context.Background(), cm, metav1.CreateOptions{}); err != nil {
		t.Errorf("editor creating a ConfigMap in its tenant's namespace: %v", err)
	}
	if _, err := user.CoreV1().ConfigMaps("default").Create(context.Background(), cm, metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("ConfigMap outside the tenant: %v, want Forbidden", err)
	}

	// A disabled user can no longer sign in, and Check refuses its tokens.
	if _, err := users.UpdateUser(admin, &identityv1.UpdateUserRequest{User: &identityv1.User{Name: "ann", Disabled: true},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"disabled"}}}); err != nil {
		t.Fatal(err)
	}
	if decide(annCtx, &identityv1.CheckRequest{Principal: annToken, Tenant: "acme", Permission: identityv1.Permission_PERMISSION_TENANT_GET}) {
		t.Error("Check allowed a disabled user's token")
	}
	_, err = identityv1.NewAuthServiceClient(id.conn).Login(context.Background(), &identityv1.LoginRequest{Username: "ann", Password: "correct horse battery"})
	code(t, err, codes.Unauthenticated, "login of a disabled user")
}

func TestRefreshRotatesAndReuseRevokesTheFamily(t *testing.T) {
	id := startIdentity(t, t.TempDir())
	auth := identityv1.NewAuthServiceClient(id.conn)
	first := id.login(t, identity.BootstrapAdmin, id.adminPassword(t), "")

	second, err := auth.Refresh(context.Background(), &identityv1.RefreshRequest{RefreshToken: first.GetRefreshToken()})
	if err != nil {
		t.Fatal(err)
	}
	if second.GetTokens().GetRefreshToken() == first.GetRefreshToken() {
		t.Fatal("refresh token did not rotate")
	}
	// Replaying the first token is theft or a bug: the whole family goes.
	_, err = auth.Refresh(context.Background(), &identityv1.RefreshRequest{RefreshToken: first.GetRefreshToken()})
	code(t, err, codes.Unauthenticated, "reused refresh token")
	_, err = auth.Refresh(context.Background(), &identityv1.RefreshRequest{RefreshToken: second.GetTokens().GetRefreshToken()})
	code(t, err, codes.Unauthenticated, "sibling of a reused refresh token")

	third := id.login(t, identity.BootstrapAdmin, id.adminPassword(t), "")
	if _, err := auth.Logout(context.Background(), &identityv1.LogoutRequest{RefreshToken: third.GetRefreshToken()}); err != nil {
		t.Fatal(err)
	}
	_, err = auth.Refresh(context.Background(), &identityv1.RefreshRequest{RefreshToken: third.GetRefreshToken()})
	code(t, err, codes.Unauthenticated, "refresh after logout")
}

// TestRotationKeepsTokensValidAndKubernetesFollows rotates the signing key
// by RPC: tokens signed before still work, and a token of the new key is
// accepted by the API server, which had the key from the JWKS already.
func TestRotationKeepsTokensValidAndKubernetesFollows(t *testing.T) {
	id := startIdentity(t, t.TempDir())
	before := id.login(t, identity.BootstrapAdmin, id.adminPassword(t), "").GetAccessToken()
	env := devclustertest.Env(t)
	devclustertest.Eventually(t, 60*time.Second, func() error {
		_, err := as(t, env, before).AuthenticationV1().SelfSubjectReviews().Create(context.Background(), &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
		return err
	})
	signingKeys := identityv1.NewSigningKeyServiceClient(id.conn)
	listed, err := signingKeys.ListSigningKeys(bearer(before), &identityv1.ListSigningKeysRequest{})
	if err != nil || len(listed.GetKeys()) != 2 || listed.GetKeys()[1].GetState() != identityv1.SigningKey_STATE_NEXT {
		t.Fatalf("keys before rotation = %v, %v; want active and next", listed, err)
	}
	rotated, err := signingKeys.RotateSigningKey(bearer(before), &identityv1.RotateSigningKeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rotated.GetKeys()[0]; got.GetKid() != listed.GetKeys()[1].GetKid() || got.GetState() != identityv1.SigningKey_STATE_ACTIVE {
		t.Errorf("active after rotation = %v, want the pre-published %s", got, listed.GetKeys()[1].GetKid())
	}
	after := id.login(t, identity.BootstrapAdmin, id.adminPassword(t), "").GetAccessToken()
	for name, token := range map[string]string{"token of the retired key": before, "token of the new key": after} {
		if _, err := identityv1.NewAuthServiceClient(id.conn).WhoAmI(bearer(token), &identityv1.WhoAmIRequest{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	start := time.Now()
	devclustertest.Eventually(t, 60*time.Second, func() error {
		_, err := as(t, env, after).AuthenticationV1().SelfSubjectReviews().Create(context.Background(), &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
		return err
	})
	t.Logf("kube-apiserver accepted the new key's token after %s", time.Since(start).Round(time.Millisecond))
}

func TestStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	first := startIdentity(t, dir)
	pw := first.adminPassword(t)
	token := first.login(t, identity.BootstrapAdmin, pw, "").GetAccessToken()
	if _, err := identityv1.NewUserServiceClient(first.conn).CreateUser(bearer(token), &identityv1.CreateUserRequest{User: &identityv1.User{Name: "carol"}}); err != nil {
		t.Fatal(err)
	}
	first.stop()

	second := startIdentity(t, dir)
	// The signing key was kept (sealed with the KEK): old tokens still verify.
	if _, err := identityv1.NewUserServiceClient(second.conn).GetUser(bearer(token), &identityv1.GetUserRequest{Name: "carol"}); err != nil {
		t.Errorf("after restart, with a token from before: %v", err)
	}
	if second.adminPassword(t) != pw {
		t.Error("bootstrap ran again on a non-empty store")
	}
}
