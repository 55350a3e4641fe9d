package stacktest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// ServiceAccounts the bindings in deploy/rbac name.
const (
	ProvisioningUser = "system:serviceaccount:landlord-system:landlord-provisioning"
	QuotaUser        = "system:serviceaccount:landlord-system:landlord-quota"
	// ObservabilityUser reads the cluster and writes nothing.
	ObservabilityUser = "system:serviceaccount:landlord-system:landlord-observability"
)

// ApplyRBAC applies, as the admin of kubeconfig, every manifest of
// deploy/rbac's kustomization: the services' ServiceAccounts, the roles
// generated from their markers, and the bindings.
func ApplyRBAC(kubeconfig string) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	admin, err := client.New(cfg, client.Options{})
	if err != nil {
		return err
	}
	dir := filepath.Join(repoRoot(), "deploy", "rbac")
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return err
	}
	var kustomization struct{ Resources []string }
	if err := yaml.Unmarshal(data, &kustomization); err != nil {
		return err
	}
	for _, file := range kustomization.Resources {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return err
		}
		for _, doc := range bytes.Split(data, []byte("\n---")) {
			obj := &unstructured.Unstructured{}
			if err := yaml.Unmarshal(doc, &obj.Object); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			if len(obj.Object) == 0 {
				continue
			}
			//nolint:staticcheck // unstructured objects have no apply configurations
			if err := admin.Patch(context.Background(), obj, client.Apply, client.FieldOwner("landlord-test"), client.ForceOwnership); err != nil {
				return fmt.Errorf("%s: %s %s: %w", file, obj.GetKind(), obj.GetName(), err)
			}
		}
	}
	return nil
}

// Impersonating writes into dir a copy of kubeconfig that acts as user: a
// service run with it has exactly the permissions its markers generate,
// and a rule they miss fails the tests.
func Impersonating(kubeconfig, user, dir string) (string, error) {
	raw, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		return "", err
	}
	for _, auth := range raw.AuthInfos {
		auth.Impersonate = user
	}
	out := filepath.Join(dir, strings.ReplaceAll(user, ":", "_")+".kubeconfig")
	return out, clientcmd.WriteToFile(*raw, out)
}
