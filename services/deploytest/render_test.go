// Package deploytest checks what a platform team relies on in Landlord's
// Kubernetes manifests (deploy/base), as rendered by kubectl kustomize:
// every container locked down, resources and probes set, only provisioning
// writes to the cluster, state on volumes, a NetworkPolicy for every pod,
// and container args that the service binaries really take.
// make verify-deploy checks the same render against a real API server.
package deploytest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// repoRoot is the directory of go.work above the test's directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.work above the test's directory: cannot find the repository")
		}
		dir = parent
	}
}

// rendered is deploy/base as kubectl kustomize renders it, by kind.
type rendered struct {
	statefulSets    []appsv1.StatefulSet
	deployments     []appsv1.Deployment
	services        []corev1.Service
	configMaps      []corev1.ConfigMap
	networkPolicies []networkingv1.NetworkPolicy
	clusterRoles    map[string]rbacv1.ClusterRole
	roles           map[string]rbacv1.Role // by namespace/name
	bindings        []binding
}

// binding is a RoleBinding or ClusterRoleBinding, reduced to what it grants
// to whom.
type binding struct {
	name     string
	roleRef  rbacv1.RoleRef
	roleNS   string // a RoleBinding's namespace: where its Role lives
	subjects []rbacv1.Subject
}

// render runs bin/kubectl kustomize deploy/base, once per test binary.
// bin/kubectl is built by make test (and make build); without it the test
// fails, saying so.
func render(t *testing.T) rendered {
	t.Helper()
	root := repoRoot(t)
	renderOnce.Do(func() {
		kubectl := filepath.Join(root, "bin", "kubectl")
		if _, err := os.Stat(kubectl); err != nil {
			renderErr = fmt.Errorf("%s is missing: build it with `make bin/kubectl` (make test builds it first)", kubectl)
			return
		}
		var stderr bytes.Buffer
		cmd := exec.Command(kubectl, "kustomize", filepath.Join(root, "deploy", "base"))
		cmd.Stderr = &stderr
		if renderOut, renderErr = cmd.Output(); renderErr != nil {
			renderErr = fmt.Errorf("kubectl kustomize deploy/base: %w\n%s", renderErr, stderr.String())
		}
	})
	if renderErr != nil {
		t.Fatal(renderErr)
	}
	return decode(t, renderOut)
}

var (
	renderOnce sync.Once
	renderOut  []byte
	renderErr  error
)

func decode(t *testing.T, yaml []byte) rendered {
	t.Helper()
	r := rendered{clusterRoles: map[string]rbacv1.ClusterRole{}, roles: map[string]rbacv1.Role{}}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(yaml), 4096)
	for {
		var u unstructured.Unstructured
		if err := dec.Decode(&u.Object); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding the render: %v", err)
		}
		if u.Object == nil {
			continue
		}
		into := func(obj any) {
			if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, obj, true); err != nil {
				t.Fatalf("%s %s: %v", u.GetKind(), u.GetName(), err)
			}
		}
		switch u.GetKind() {
		case "StatefulSet":
			var o appsv1.StatefulSet
			into(&o)
			r.statefulSets = append(r.statefulSets, o)
		case "Deployment":
			var o appsv1.Deployment
			into(&o)
			r.deployments = append(r.deployments, o)
		case "Service":
			var o corev1.Service
			into(&o)
			r.services = append(r.services, o)
		case "ConfigMap":
			var o corev1.ConfigMap
			into(&o)
			r.configMaps = append(r.configMaps, o)
		case "NetworkPolicy":
			var o networkingv1.NetworkPolicy
			into(&o)
			r.networkPolicies = append(r.networkPolicies, o)
		case "ClusterRole":
			var o rbacv1.ClusterRole
			into(&o)
			r.clusterRoles[o.Name] = o
		case "Role":
			var o rbacv1.Role
			into(&o)
			r.roles[o.Namespace+"/"+o.Name] = o
		case "ClusterRoleBinding":
			var o rbacv1.ClusterRoleBinding
			into(&o)
			r.bindings = append(r.bindings, binding{name: o.Name, roleRef: o.RoleRef, subjects: o.Subjects})
		case "RoleBinding":
			var o rbacv1.RoleBinding
			into(&o)
			r.bindings = append(r.bindings, binding{name: o.Namespace + "/" + o.Name, roleRef: o.RoleRef, roleNS: o.Namespace, subjects: o.Subjects})
		}
	}
	return r
}

// workload is a Deployment's or StatefulSet's pod template, named.
type workload struct {
	kind, name string
	pod        corev1.PodTemplateSpec
	claims     []corev1.PersistentVolumeClaim // a StatefulSet's volumeClaimTemplates
}

func (r rendered) workloads() []workload {
	var out []workload
	for _, s := range r.statefulSets {
		out = append(out, workload{kind: "StatefulSet", name: s.Name, pod: s.Spec.Template, claims: s.Spec.VolumeClaimTemplates})
	}
	for _, d := range r.deployments {
		out = append(out, workload{kind: "Deployment", name: d.Name, pod: d.Spec.Template})
	}
	return out
}

func (w workload) String() string { return w.kind + " " + w.name }

// containers are the pod's containers, init containers included.
func (w workload) containers() []corev1.Container {
	return append(append([]corev1.Container{}, w.pod.Spec.InitContainers...), w.pod.Spec.Containers...)
}
