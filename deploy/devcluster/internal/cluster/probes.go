package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// probe is one readiness check.
type probe struct {
	what  string
	check func(ctx context.Context) error
}

type probeSet struct {
	etcd, apiServer, controllerManager, defaultServiceAccount probe
}

func newProbes(c Config) (*probeSet, error) {
	caPEM, err := os.ReadFile(c.pair("ca").Cert)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	tlsClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}

	rest, err := clientcmd.BuildConfigFromFlags("", c.AdminKubeconfig())
	if err != nil {
		return nil, err
	}
	kube, err := kubernetes.NewForConfig(rest)
	if err != nil {
		return nil, err
	}
	return &probeSet{
		etcd: probe{"etcd", func(ctx context.Context) error {
			var health struct{ Health string }
			body, err := get(ctx, http.DefaultClient, "http://"+loopback(c.EtcdPort)+"/health")
			if err != nil {
				return err
			}
			if err := json.Unmarshal(body, &health); err != nil || health.Health != "true" {
				return fmt.Errorf("etcd health: %s", body)
			}
			return nil
		}},
		apiServer: probe{"kube-apiserver /readyz", func(ctx context.Context) error {
			_, err := kube.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
			return err
		}},
		controllerManager: probe{"kube-controller-manager /healthz", func(ctx context.Context) error {
			_, err := get(ctx, tlsClient, "https://"+loopback(c.ControllerManagerPort)+"/healthz")
			return err
		}},
		defaultServiceAccount: probe{"the controllers (default ServiceAccount)", func(ctx context.Context) error {
			_, err := kube.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
			return err
		}},
	}, nil
}

func get(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s: %s", url, strconv.Itoa(resp.StatusCode), body)
	}
	return body, nil
}
