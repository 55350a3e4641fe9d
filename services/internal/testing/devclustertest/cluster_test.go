package devclustertest_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
)

func TestMain(m *testing.M) { os.Exit(devclustertest.Main(m)) }

// These tests prove the dev cluster is a real control plane: each checks a
// rule that only a real API server or controller manager enforces.

var dryRun = metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}

func TestPodSecurityRestrictedRejectsPrivilegedAndHostPathPods(t *testing.T) {
	kube := devclustertest.Admin(t)
	ns := newNamespace(t, kube, map[string]string{"pod-security.kubernetes.io/enforce": "restricted"})
	ctx := context.Background()

	privileged := restrictedPod("privileged")
	privileged.Spec.Containers[0].SecurityContext.Privileged = ptr(true)
	privileged.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = nil
	hostPath := restrictedPod("hostpath")
	hostPath.Spec.Volumes = []corev1.Volume{{Name: "root", VolumeSource: corev1.VolumeSource{
		HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}}
	for _, pod := range []*corev1.Pod{privileged, hostPath} {
		_, err := kube.CoreV1().Pods(ns).Create(ctx, pod, dryRun)
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "violates PodSecurity") {
			t.Errorf("pod %s: err = %v, want a PodSecurity rejection", pod.Name, err)
		}
	}
	// The same pod without the violation is admitted: the rejections above
	// are Pod Security at work, not a broken pod.
	if _, err := kube.CoreV1().Pods(ns).Create(ctx, restrictedPod("fine"), dryRun); err != nil {
		t.Errorf("compliant pod rejected: %v", err)
	}
}

func TestResourceQuotaRejectsObjectsOverQuota(t *testing.T) {
	kube := devclustertest.Admin(t)
	ns := newNamespace(t, kube, nil)
	ctx := context.Background()
	quota := &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: "small"},
		Spec:       corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourceSecrets: resource.MustParse("1")}},
	}
	if _, err := kube.CoreV1().ResourceQuotas(ns).Create(ctx, quota, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Admission enforces a quota once the quota controller has computed its
	// usage.
	devclustertest.Eventually(t, 30*time.Second, func() error {
		q, err := kube.CoreV1().ResourceQuotas(ns).Get(ctx, "small", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if _, ok := q.Status.Used[corev1.ResourceSecrets]; !ok {
			return fmt.Errorf("quota usage not computed yet")
		}
		return nil
	})
	if _, err := kube.CoreV1().Secrets(ns).Create(ctx, secret("first"), metav1.CreateOptions{}); err != nil {
		t.Fatalf("first secret within quota: %v", err)
	}
	_, err := kube.CoreV1().Secrets(ns).Create(ctx, secret("second"), metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "exceeded quota") {
		t.Errorf("second secret: err = %v, want exceeded quota", err)
	}
}

func TestControllerManagerCreatesDefaultServiceAccount(t *testing.T) {
	kube := devclustertest.Admin(t)
	ns := newNamespace(t, kube, nil)
	devclustertest.Eventually(t, 30*time.Second, func() error {
		_, err := kube.CoreV1().ServiceAccounts(ns).Get(context.Background(), "default", metav1.GetOptions{})
		return err
	})
}

func TestNamespaceDeletionCompletes(t *testing.T) {
	kube := devclustertest.Admin(t)
	ctx := context.Background()
	ns := newNamespace(t, kube, nil)
	if _, err := kube.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "content"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := kube.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// The namespace controller empties the namespace and removes its
	// finalizer; without it the namespace would stay Terminating forever.
	devclustertest.Eventually(t, 60*time.Second, func() error {
		_, err := kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("namespace %s still exists (%v)", ns, err)
	})
}

func TestValidatingAdmissionPolicyDeniesMatchingRequests(t *testing.T) {
	kube := devclustertest.Admin(t)
	ctx := context.Background()
	ns := newNamespace(t, kube, nil)
	name := "deny-forbidden-key-" + ns
	policy := &admissionv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: ptr(admissionv1.Fail),
			MatchConstraints: &admissionv1.MatchResources{ResourceRules: []admissionv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionv1.RuleWithOperations{
					Operations: []admissionv1.OperationType{admissionv1.Create, admissionv1.Update},
					Rule:       admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
				},
			}}},
			Validations: []admissionv1.Validation{{
				Expression: "!has(object.data) || !('forbidden' in object.data)",
				Message:    "configmaps may not carry the key 'forbidden'",
			}},
		},
	}
	binding := &admissionv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        name,
			ValidationActions: []admissionv1.ValidationAction{admissionv1.Deny},
			MatchResources: &admissionv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
				MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}},
		},
	}
	vap := kube.AdmissionregistrationV1()
	if _, err := vap.ValidatingAdmissionPolicies().Create(ctx, policy, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = vap.ValidatingAdmissionPolicies().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	if _, err := vap.ValidatingAdmissionPolicyBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = vap.ValidatingAdmissionPolicyBindings().Delete(context.Background(), name, metav1.DeleteOptions{})
	})

	bad := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "bad"}, Data: map[string]string{"forbidden": "x"}}
	// Policies take effect once the API server's policy informer sees them.
	devclustertest.Eventually(t, 30*time.Second, func() error {
		_, err := kube.CoreV1().ConfigMaps(ns).Create(ctx, bad, dryRun)
		if apierrors.IsInvalid(err) && strings.Contains(err.Error(), "may not carry the key 'forbidden'") {
			return nil
		}
		return fmt.Errorf("configmap not denied yet: %v", err)
	})
	good := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "good"}, Data: map[string]string{"allowed": "x"}}
	if _, err := kube.CoreV1().ConfigMaps(ns).Create(ctx, good, metav1.CreateOptions{}); err != nil {
		t.Errorf("configmap that matches no rule: %v", err)
	}
}

// newNamespace creates a uniquely named namespace that is deleted after the test.
func newNamespace(t *testing.T, kube kubernetes.Interface, labels map[string]string) string {
	t.Helper()
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	name := "test-" + hex.EncodeToString(suffix)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	if _, err := kube.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kube.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	return name
}

// restrictedPod satisfies the restricted Pod Security profile.
func restrictedPod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{
				RunAsNonRoot:   ptr(true),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
			Containers: []corev1.Container{{
				Name:  "app",
				Image: "example.invalid/app:1",
				SecurityContext: &corev1.SecurityContext{
					AllowPrivilegeEscalation: ptr(false),
					Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
				},
			}},
		},
	}
}

func secret(name string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name}, StringData: map[string]string{"k": "v"}}
}

func ptr[T any](v T) *T { return &v }
