package controller_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// TestTenantServiceAccountsAreHeldToThePolicies: a tenant admin binds a
// ServiceAccount of its namespace to admin, takes a real token for it, and
// as that ServiceAccount tries what the admin itself may not. Every
// attempt fails and Landlord's objects stay; the ServiceAccount's requests
// are classified into the tenant's priority level. A cluster admin who is
// not the operator is held to the same rules.
func TestTenantServiceAccountsAreHeldToThePolicies(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	provision(t, c, "sa-tenant", v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}}})
	const ns = "sa-tenant-web"
	waitQuotaTracked(t, ns)
	admin := impersonate(t, "landlord:ada", "landlord:tenant:sa-tenant:admin")
	if _, err := admin.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "bot"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "bot-is-admin"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "admin"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "bot", Namespace: ns}}}
	if _, err := admin.RbacV1().RoleBindings(ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatalf("tenant admin binding its ServiceAccount: %v", err)
	}
	bot, botCfg := serviceAccountClient(t, admin, ns, "bot")
	devclustertest.Eventually(t, 10*time.Second, func() error { // RBAC takes a moment
		_, err := bot.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
		return err
	})

	const landlordsMessage = "only by Landlord"
	for name, try := range map[string]func() error{
		"delete Landlord's network policy": func() error {
			return bot.NetworkingV1().NetworkPolicies(ns).Delete(ctx, render.IsolationName, metav1.DeleteOptions{})
		},
		"relabel Landlord's role binding": func() error {
			_, err := bot.RbacV1().RoleBindings(ns).Patch(ctx, "landlord-admins", types.MergePatchType, []byte(`{"metadata":{"labels":{"app.kubernetes.io/managed-by":"me"}}}`), metav1.PatchOptions{})
			return err
		},
		"delete Landlord's role binding": func() error {
			return bot.RbacV1().RoleBindings(ns).Delete(ctx, "landlord-viewers", metav1.DeleteOptions{})
		},
		"rewrite Landlord's network policy": func() error {
			_, err := bot.NetworkingV1().NetworkPolicies(ns).Patch(ctx, render.IsolationName, types.MergePatchType, []byte(`{"spec":{"ingress":[{}]}}`), metav1.PatchOptions{})
			return err
		},
	} {
		if err := try(); !strings.Contains(fmt.Sprint(err), landlordsMessage) {
			t.Errorf("ServiceAccount may %s: %v", name, err)
		}
	}
	spoof := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "spoof", Labels: map[string]string{render.LabelManagedBy: render.ManagedBy}},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}
	_, err := bot.NetworkingV1().NetworkPolicies(ns).Create(ctx, spoof, metav1.CreateOptions{})
	wantReason(t, "ServiceAccount labelling an object as Landlord's", err, metav1.StatusReasonInvalid, "only Landlord labels")
	err = bot.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}})
	wantReason(t, "ServiceAccount deleting its namespace", err, metav1.StatusReasonForbidden, "")
	// Positive control: the ServiceAccount still does the tenant's work.
	if _, err := bot.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "bot-config"}}, metav1.CreateOptions{}); err != nil {
		t.Errorf("ServiceAccount creating a config map: %v", err)
	}
	// The network policy and the bindings are all still Landlord's.
	kube := devclustertest.Admin(t)
	if np, err := kube.NetworkingV1().NetworkPolicies(ns).Get(ctx, render.IsolationName, metav1.GetOptions{}); err != nil || len(np.Spec.Egress) == 0 {
		t.Errorf("Landlord's network policy: %v", err)
	}

	// The ServiceAccount is one of the tenant's flows.
	fs := tierSchemaOf(t, c, "standard", "sa-tenant", ns)
	devclustertest.Eventually(t, 30*time.Second, func() error {
		if got := flowSchemaOf(t, botCfg, "/api/v1/namespaces/"+ns+"/configmaps"); got != string(fs.UID) {
			return fmt.Errorf("ServiceAccount request matched flow schema %s, want the tenant's tier's %s", got, fs.UID)
		}
		return nil
	})

	// A cluster admin who is not Landlord's operator cannot change them either.
	other := impersonate(t, "cluster-admin-mallory", "system:masters")
	err = other.NetworkingV1().NetworkPolicies(ns).Delete(ctx, render.IsolationName, metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}})
	wantReason(t, "another cluster admin deleting Landlord's policy", err, metav1.StatusReasonInvalid, landlordsMessage)
	relabel := []byte(`{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"privileged"}}}`)
	_, err = other.CoreV1().Namespaces().Patch(ctx, ns, types.MergePatchType, relabel, metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}})
	wantReason(t, "another cluster admin relabelling a tenant namespace", err, metav1.StatusReasonForbidden, "only through Landlord")
	// Nor dress a namespace up as the tenant's, which its network
	// policies would then admit.
	lookalike := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "sa-lookalike", Labels: map[string]string{render.LabelTenant: "sa-tenant"}}}
	_, err = other.CoreV1().Namespaces().Create(ctx, lookalike, dryRunCreate)
	wantReason(t, "a namespace labelled as the tenant's", err, metav1.StatusReasonForbidden, "only Landlord gives a namespace its tenant labels")
}

// TestServiceAccountTokenSecretsAndEventsAreRefused: a tenant may not mint
// never-expiring tokens, nor write Events, which quota cannot bound.
func TestServiceAccountTokenSecretsAndEventsAreRefused(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	provision(t, c, "tok-tenant", v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}}})
	const ns = "tok-tenant-web"
	waitQuotaTracked(t, ns)
	admin := impersonate(t, "landlord:ada", "landlord:tenant:tok-tenant:admin")
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "forever", Annotations: map[string]string{corev1.ServiceAccountNameKey: "default"}},
		Type: corev1.SecretTypeServiceAccountToken}
	waitRefused(t, func() error {
		_, err := admin.CoreV1().Secrets(ns).Create(ctx, secret, dryRunCreate)
		return err
	}, metav1.StatusReasonForbidden, "never expire")
	if _, err := admin.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "plain"}}, dryRunCreate); err != nil {
		t.Errorf("an ordinary secret: %v", err)
	}
	event := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "spam"}, InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "x", Namespace: ns},
		Reason: "Spam", Message: "spam", Type: corev1.EventTypeNormal}
	waitRefused(t, func() error {
		_, err := admin.CoreV1().Events(ns).Create(ctx, event, dryRunCreate)
		return err
	}, metav1.StatusReasonForbidden, "cannot write Events")
	// Short-lived tokens still work, capped at an hour by the dev cluster.
	tok, err := admin.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "default", &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](365 * 24 * 3600)}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("token request: %v", err)
	}
	if left := time.Until(tok.Status.ExpirationTimestamp.Time); left > time.Hour+time.Minute {
		t.Errorf("a token asked for a year lives %s", left.Round(time.Minute))
	}
}

// serviceAccountClient takes a real token for a ServiceAccount (as the
// tenant admin, who may) and returns a client that uses only that token.
func serviceAccountClient(t *testing.T, admin kubernetes.Interface, ns, name string) (kubernetes.Interface, *rest.Config) {
	t.Helper()
	devclustertest.Eventually(t, 10*time.Second, func() error {
		_, err := admin.CoreV1().ServiceAccounts(ns).Get(context.Background(), name, metav1.GetOptions{})
		return err
	})
	tok, err := admin.CoreV1().ServiceAccounts(ns).CreateToken(context.Background(), name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](600)}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	admCfg := devclustertest.AdminConfig(t)
	cfg := &rest.Config{Host: admCfg.Host, BearerToken: tok.Status.Token, TLSClientConfig: rest.TLSClientConfig{CAData: admCfg.CAData, CAFile: admCfg.CAFile}}
	return kubernetes.NewForConfigOrDie(cfg), cfg
}

// flowSchemaOf is the UID of the flow schema the API server put a GET of
// path into.
func flowSchemaOf(t *testing.T, cfg *rest.Config, path string) string {
	t.Helper()
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Get(cfg.Host + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	return resp.Header.Get("X-Kubernetes-PF-FlowSchema-UID")
}
