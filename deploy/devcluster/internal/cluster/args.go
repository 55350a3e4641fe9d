package cluster

import (
	"strconv"
	"strings"
)

// etcdArgs runs a single loopback member over plain HTTP; nothing but the
// API server on this machine talks to it.
func (c Config) etcdArgs() []string {
	return []string{
		"--data-dir=" + c.path("etcd"),
		"--listen-client-url=http://" + loopback(c.EtcdPort),
		"--listen-peer-url=http://" + loopback(c.EtcdPeerPort),
	}
}

// apiServerArgs turn on everything Landlord relies on the API server to
// enforce: RBAC, Pod Security Admission, ResourceQuota, LimitRange,
// ValidatingAdmissionPolicy and API Priority and Fairness; anonymous
// requests are refused, Services may not claim external IPs and
// ServiceAccount tokens live at most an hour.
func (c Config) apiServerArgs() []string {
	admission := []string{
		"NamespaceLifecycle", "LimitRanger", "ServiceAccount", "PodSecurity", "Priority",
		"DefaultTolerationSeconds", "DefaultStorageClass", "StorageObjectInUseProtection",
		"RuntimeClass", "ValidatingAdmissionPolicy", "ResourceQuota",
		// Any Service with spec.externalIPs could intercept traffic to those
		// addresses cluster-wide (CVE-2020-8554); no one may set them.
		"DenyServiceExternalIPs",
	}
	return []string{
		"--etcd-servers=http://" + loopback(c.EtcdPort),
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(c.APIServerPort),
		"--cert-dir=" + c.pkiDir(),
		"--tls-cert-file=" + c.pair("apiserver").Cert,
		"--tls-private-key-file=" + c.pair("apiserver").Key,
		"--client-ca-file=" + c.pair("ca").Cert,
		"--anonymous-auth=false",
		// The aggregation layer's front proxy, which controllers check for.
		"--requestheader-client-ca-file=" + c.pair("front-proxy-ca").Cert,
		"--requestheader-allowed-names=" + frontProxyUser,
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + c.pair("front-proxy-client").Cert,
		"--proxy-client-key-file=" + c.pair("front-proxy-client").Key,
		"--authentication-config=" + c.AuthenticationConfig(),
		"--authorization-mode=RBAC",
		"--enable-admission-plugins=" + strings.Join(admission, ","),
		"--enable-priority-and-fairness=true",
		// Pod Security Admission needs privileged pods to be allowed by the
		// API server, or it would never get to refuse them itself.
		"--allow-privileged=true",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + c.pair("service-account").Cert,
		"--service-account-signing-key-file=" + c.pair("service-account").Key,
		// A leaked ServiceAccount token is good for an hour at most: longer
		// TokenRequests are shortened to this (1h is the least the API
		// server accepts). With extend-token-expiration on, the API server
		// silently makes pods' projected tokens (asked for 3607s) last a
		// year whenever the maximum allows 3607s; off, so raising the
		// maximum never brings that back.
		"--service-account-max-token-expiration=1h",
		"--service-account-extend-token-expiration=false",
		"--service-cluster-ip-range=10.96.0.0/16",
		// Endpoints may not hold loopback addresses, and there are no nodes
		// to route to the API server anyway.
		"--endpoint-reconciler-type=none",
		"--profiling=false",
	}
}

// controllerManagerArgs run every controller a node-less cluster can use:
// namespace deletion, resource quota status, service accounts and tokens,
// garbage collection.
func (c Config) controllerManagerArgs() []string {
	kubeconfig := c.path("controller-manager.kubeconfig")
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--authentication-kubeconfig=" + kubeconfig,
		"--authorization-kubeconfig=" + kubeconfig,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(c.ControllerManagerPort),
		"--tls-cert-file=" + c.pair("controller-manager-serving").Cert,
		"--tls-private-key-file=" + c.pair("controller-manager-serving").Key,
		"--client-ca-file=" + c.pair("ca").Cert,
		"--controllers=*,-nodeipam,-nodelifecycle,-ttl,-bootstrap-signer-controller,-token-cleaner-controller",
		// One instance: waiting for a stale lease after a restart only slows
		// the warm start down.
		"--leader-elect=false",
		"--use-service-account-credentials=true",
		"--service-account-private-key-file=" + c.pair("service-account").Key,
		"--root-ca-file=" + c.pair("ca").Cert,
		"--cluster-signing-cert-file=" + c.pair("ca").Cert,
		"--cluster-signing-key-file=" + c.pair("ca").Key,
		"--profiling=false",
	}
}
