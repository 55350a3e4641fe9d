package provisioning_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// rbacDir holds the operator's ServiceAccount, its generated roles and
// their bindings: what a cluster deployment applies (kustomize).
const rbacDir = "../../deploy/rbac"

// operatorUser is the ServiceAccount the bindings in rbacDir name.
const operatorUser = "system:serviceaccount:landlord-system:landlord-provisioning"

// asOperator applies, as the admin of kubeconfig, every manifest rbacDir's
// kustomization lists, and writes into dir a kubeconfig that impersonates
// the operator's ServiceAccount: the operator then has exactly the
// permissions its markers generate, and a rule they miss fails the tests.
func asOperator(kubeconfig, dir string) (string, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return "", err
	}
	admin, err := client.New(cfg, client.Options{})
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(filepath.Join(rbacDir, "kustomization.yaml"))
	if err != nil {
		return "", err
	}
	var kustomization struct{ Resources []string }
	if err := yaml.Unmarshal(data, &kustomization); err != nil {
		return "", err
	}
	for _, file := range kustomization.Resources {
		data, err := os.ReadFile(filepath.Join(rbacDir, file))
		if err != nil {
			return "", err
		}
		for _, doc := range bytes.Split(data, []byte("\n---")) {
			obj := &unstructured.Unstructured{}
			if err := yaml.Unmarshal(doc, &obj.Object); err != nil {
				return "", fmt.Errorf("%s: %w", file, err)
			}
			if len(obj.Object) == 0 {
				continue
			}
			//nolint:staticcheck // unstructured objects have no apply configurations
			if err := admin.Patch(context.Background(), obj, client.Apply, client.FieldOwner("landlord-test"), client.ForceOwnership); err != nil {
				return "", fmt.Errorf("%s: %s %s: %w", file, obj.GetKind(), obj.GetName(), err)
			}
		}
	}
	raw, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		return "", err
	}
	for _, auth := range raw.AuthInfos {
		auth.Impersonate = operatorUser
	}
	out := filepath.Join(dir, "operator.kubeconfig")
	return out, clientcmd.WriteToFile(*raw, out)
}
