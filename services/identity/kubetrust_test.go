package identity_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/landlord-dev/landlord/services/identity/internal/oidc"
	"github.com/landlord-dev/landlord/services/identity/internal/signing"
	"github.com/landlord-dev/landlord/services/internal/devclusterproc"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

// TestKubernetesTrustsIdentityTokens serves the issuer where the dev
// cluster expects it and checks, through the real API server, that its
// tokens authenticate as "landlord:<user>" with their tenant groups, that
// RBAC bound to a tenant group applies, and that bad tokens are refused.
func TestKubernetesTrustsIdentityTokens(t *testing.T) {
	env := devclustertest.Env(t)
	admin := devclustertest.Admin(t)
	ring := serveIssuer(t, env)
	ctx := context.Background()

	tenantNS, otherNS := namespace(t, admin), namespace(t, admin)
	bindEditors(t, admin, tenantNS, "landlord:tenant:acme:editor")

	now := time.Now()
	ann := &tokenverify.Claims{
		Issuer: env.Identity.Issuer, Audience: []string{env.Identity.Audience},
		Subject: "user:ann", Username: "ann", Groups: []string{"landlord:tenant:acme:editor"},
		IssuedAt: now, Expiry: now.Add(15 * time.Minute), ID: "t1",
	}
	token := sign(t, ring, ann)

	// The API server retries an issuer it could not reach every 10 s.
	var review *authnv1.SelfSubjectReview
	devclustertest.Eventually(t, 60*time.Second, func() (err error) {
		review, err = as(t, env, token).AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
		return err
	})
	if review.Status.UserInfo.Username != "landlord:ann" || !slices.Contains(review.Status.UserInfo.Groups, "landlord:tenant:acme:editor") {
		t.Errorf("whoami = %+v", review.Status.UserInfo)
	}

	user := as(t, env, token)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "app-config"}}
	if _, err := user.CoreV1().ConfigMaps(tenantNS).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Errorf("editor creating a ConfigMap in the tenant namespace: %v", err)
	}
	if _, err := user.CoreV1().ConfigMaps(otherNS).Create(ctx, cm, metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("ConfigMap in another namespace: %v, want Forbidden", err)
	}
	if _, err := user.CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("listing namespaces: %v, want Forbidden", err)
	}

	expired := *ann
	expired.IssuedAt, expired.Expiry = now.Add(-time.Hour), now.Add(-30*time.Minute)
	masters := *ann
	masters.Groups = []string{"system:masters"}
	otherKey, _ := signing.Generate(now)
	otherRing, _ := signing.NewKeyring(otherKey, nil)
	refused := map[string]string{
		"expired":                sign(t, ring, &expired),
		"signed by another key":  sign(t, otherRing, ann),
		"alg none":               unsigned(token),
		"system group (refused)": sign(t, ring, &masters),
	}
	for name, bad := range refused {
		_, err := as(t, env, bad).AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if !apierrors.IsUnauthorized(err) {
			t.Errorf("%s token: %v, want Unauthorized", name, err)
		}
	}
}

func serveIssuer(t *testing.T, env *devclusterproc.Env) *signing.Keyring {
	t.Helper()
	key, err := signing.Generate(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ring, err := signing.NewKeyring(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(env.Identity.TLSCert, env.Identity.TLSKey)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Addr:      env.Identity.Address,
		Handler:   oidc.Handler(env.Identity.Issuer, func() *signing.Keyring { return ring }),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
	}
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServeTLS("", "") }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("issuer server: %v", err)
		}
	})
	return ring
}

func sign(t *testing.T, ring *signing.Keyring, c *tokenverify.Claims) string {
	t.Helper()
	token, err := ring.Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// unsigned turns a token into an alg=none token with the same claims.
func unsigned(token string) string {
	parts := strings.Split(token, ".")
	return "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + "."
}

// as is a client that authenticates with a bearer token only.
func as(t *testing.T, env *devclusterproc.Env, token string) kubernetes.Interface {
	t.Helper()
	admin := devclustertest.AdminConfig(t)
	cfg := &rest.Config{Host: admin.Host, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAFile: env.CACert}}
	return kubernetes.NewForConfigOrDie(cfg)
}

func namespace(t *testing.T, admin kubernetes.Interface) string {
	t.Helper()
	ns, err := admin.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "oidc-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{}) })
	return ns.Name
}

func bindEditors(t *testing.T, admin kubernetes.Interface, ns, group string) {
	t.Helper()
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "tenant-editors"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "edit"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "Group", Name: group}},
	}
	if _, err := admin.RbacV1().RoleBindings(ns).Create(context.Background(), rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}
