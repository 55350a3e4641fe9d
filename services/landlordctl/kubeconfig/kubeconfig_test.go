package kubeconfig

import (
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

func TestMergeKeepsExistingContexts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	existing := clientcmdapi.NewConfig()
	existing.Clusters["prod"] = &clientcmdapi.Cluster{Server: "https://prod:6443"}
	existing.AuthInfos["me"] = &clientcmdapi.AuthInfo{Token: "t"}
	existing.Contexts["prod"] = &clientcmdapi.Context{Cluster: "prod", AuthInfo: "me", Namespace: "default"}
	existing.CurrentContext = "prod"
	if err := clientcmd.WriteToFile(*existing, path); err != nil {
		t.Fatal(err)
	}
	c := Context{Name: "landlord-acme", Cluster: "landlord", Server: "https://127.0.0.1:6443", CAData: []byte("pem"),
		User: "landlord", Namespace: "acme-dev", Command: "/usr/bin/landlordctl", Args: []string{"token"}}
	if err := Merge(path, c); err != nil {
		t.Fatal(err)
	}
	c.Name, c.Namespace = "landlord-globex", "globex-web" // a second tenant adds a context
	if err := Merge(path, c); err != nil {
		t.Fatal(err)
	}
	got, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Contexts["prod"] == nil || got.Clusters["prod"].Server != "https://prod:6443" || got.AuthInfos["me"].Token != "t" {
		t.Errorf("existing entries lost: %+v", got)
	}
	if got.CurrentContext != "landlord-globex" || got.Contexts["landlord-acme"].Namespace != "acme-dev" {
		t.Errorf("contexts = %v, current %s", got.Contexts, got.CurrentContext)
	}
	exec := got.AuthInfos["landlord"].Exec
	if exec == nil || exec.APIVersion != "client.authentication.k8s.io/v1" || exec.Command != "/usr/bin/landlordctl" ||
		exec.InteractiveMode != clientcmdapi.NeverExecInteractiveMode || len(exec.Args) != 1 {
		t.Errorf("exec = %+v", exec)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("kubeconfig mode %v", fi.Mode().Perm())
	}
}

func TestMergeCreatesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "config")
	if err := Merge(path, Context{Name: "x", Cluster: "c", User: "u", Server: "https://s", Command: "landlordctl"}); err != nil {
		t.Fatal(err)
	}
	if got, err := clientcmd.LoadFromFile(path); err != nil || got.CurrentContext != "x" {
		t.Fatalf("%v %v", got, err)
	}
}
