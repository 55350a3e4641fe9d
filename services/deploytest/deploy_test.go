package deploytest

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// The services Landlord runs, each a workload of its own.
var services = []string{"identity", "quota", "observability", "provisioning", "gateway"}

// The only ServiceAccount whose roles may write to the cluster.
const writer = "landlord-provisioning"

func TestEveryServiceRuns(t *testing.T) {
	r := render(t)
	var names []string
	for _, w := range r.workloads() {
		names = append(names, w.name)
	}
	for _, s := range services {
		if !slices.Contains(names, s) {
			t.Errorf("no workload runs %s (workloads: %v)", s, names)
		}
	}
	for _, s := range r.statefulSets {
		if s.Spec.Replicas == nil || *s.Spec.Replicas != 1 {
			t.Errorf("StatefulSet %s: bbolt has one writer process; replicas must be 1", s.Name)
		}
	}
}

// effective is a container's security context with the pod's filled in
// where the container says nothing.
type effective struct {
	runAsNonRoot, readOnlyRoot, noEscalation bool
	runAsUser                                *int64
	dropAll                                  bool
	seccomp                                  corev1.SeccompProfileType
	privileged                               bool
}

func securityOf(pod *corev1.PodSpec, c corev1.Container) effective {
	var e effective
	if p := pod.SecurityContext; p != nil {
		e.runAsNonRoot = p.RunAsNonRoot != nil && *p.RunAsNonRoot
		e.runAsUser = p.RunAsUser
		if p.SeccompProfile != nil {
			e.seccomp = p.SeccompProfile.Type
		}
	}
	if s := c.SecurityContext; s != nil {
		if s.RunAsNonRoot != nil {
			e.runAsNonRoot = *s.RunAsNonRoot
		}
		if s.RunAsUser != nil {
			e.runAsUser = s.RunAsUser
		}
		if s.SeccompProfile != nil {
			e.seccomp = s.SeccompProfile.Type
		}
		e.readOnlyRoot = s.ReadOnlyRootFilesystem != nil && *s.ReadOnlyRootFilesystem
		e.noEscalation = s.AllowPrivilegeEscalation != nil && !*s.AllowPrivilegeEscalation
		e.dropAll = s.Capabilities != nil && slices.Contains(s.Capabilities.Drop, "ALL") && len(s.Capabilities.Add) == 0
		e.privileged = s.Privileged != nil && *s.Privileged
	}
	return e
}

func TestContainersAreLockedDown(t *testing.T) {
	r := render(t)
	for _, w := range r.workloads() {
		spec := &w.pod.Spec
		if spec.HostNetwork || spec.HostPID || spec.HostIPC {
			t.Errorf("%s: shares a host namespace", w)
		}
		for _, v := range spec.Volumes {
			if v.HostPath != nil {
				t.Errorf("%s: hostPath volume %s", w, v.Name)
			}
		}
		for _, c := range w.containers() {
			e := securityOf(spec, c)
			switch {
			case !e.runAsNonRoot:
				t.Errorf("%s, container %s: runAsNonRoot is not true", w, c.Name)
			case e.runAsUser == nil || *e.runAsUser == 0:
				t.Errorf("%s, container %s: no fixed non-root runAsUser", w, c.Name)
			}
			if !e.readOnlyRoot {
				t.Errorf("%s, container %s: root filesystem is not read-only", w, c.Name)
			}
			if !e.noEscalation || e.privileged {
				t.Errorf("%s, container %s: privilege escalation is not off", w, c.Name)
			}
			if !e.dropAll {
				t.Errorf("%s, container %s: capabilities do not drop ALL (and add none)", w, c.Name)
			}
			if e.seccomp != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("%s, container %s: seccomp profile %q, want RuntimeDefault", w, c.Name, e.seccomp)
			}
		}
	}
}

func TestResourcesAndProbes(t *testing.T) {
	r := render(t)
	for _, w := range r.workloads() {
		for _, c := range w.pod.Spec.Containers {
			req, lim := c.Resources.Requests, c.Resources.Limits
			if req.Cpu().IsZero() || req.Memory().IsZero() {
				t.Errorf("%s, container %s: CPU and memory requests must be set (have %v)", w, c.Name, req)
			}
			if lim.Memory().IsZero() {
				t.Errorf("%s, container %s: no memory limit", w, c.Name)
			}
			probes := map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe}
			for kind, p := range probes {
				if p == nil {
					t.Errorf("%s, container %s: no %s probe", w, c.Name, kind)
					continue
				}
				// The services serve TLS only: a plaintext probe would
				// never pass.
				switch {
				case p.GRPC != nil:
					t.Errorf("%s, container %s: %s probe is grpc, which cannot speak TLS", w, c.Name, kind)
				case p.HTTPGet != nil && p.HTTPGet.Scheme != corev1.URISchemeHTTPS:
					t.Errorf("%s, container %s: %s probe is not HTTPS", w, c.Name, kind)
				case p.HTTPGet != nil && !hasPort(c, p.HTTPGet.Port.String()):
					t.Errorf("%s, container %s: %s probe's port %s is not a container port", w, c.Name, kind, p.HTTPGet.Port.String())
				}
			}
		}
	}
}

// hasPort reports whether c declares port, by name or number.
func hasPort(c corev1.Container, port string) bool {
	for _, p := range c.Ports {
		if p.Name == port || strings.TrimSpace(port) == itoa(p.ContainerPort) {
			return true
		}
	}
	return false
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

// TestOnlyProvisioningWrites: quota and observability (and anything else
// bound to a Landlord ServiceAccount) read; provisioning alone writes.
func TestOnlyProvisioningWrites(t *testing.T) {
	r := render(t)
	writes := []string{"create", "update", "patch", "delete", "deletecollection", "*", "bind", "escalate", "impersonate"}
	boundTo := map[string]bool{}
	for _, b := range r.bindings {
		var rules []rbacv1.PolicyRule
		switch b.roleRef.Kind {
		case "ClusterRole":
			role, ok := r.clusterRoles[b.roleRef.Name]
			if !ok {
				t.Errorf("binding %s: ClusterRole %s is not in the render", b.name, b.roleRef.Name)
				continue
			}
			rules = role.Rules
		case "Role":
			role, ok := r.roles[b.roleNS+"/"+b.roleRef.Name]
			if !ok {
				t.Errorf("binding %s: Role %s/%s is not in the render", b.name, b.roleNS, b.roleRef.Name)
				continue
			}
			rules = role.Rules
		}
		for _, s := range b.subjects {
			if s.Kind != "ServiceAccount" || s.Namespace != "landlord-system" {
				t.Errorf("binding %s grants to %s %s/%s: only Landlord's ServiceAccounts", b.name, s.Kind, s.Namespace, s.Name)
				continue
			}
			boundTo[s.Name] = true
			if s.Name == writer {
				continue
			}
			for _, rule := range rules {
				for _, v := range rule.Verbs {
					if slices.Contains(writes, v) {
						t.Errorf("binding %s lets %s %s %v: only provisioning writes to the cluster", b.name, s.Name, v, rule.Resources)
					}
				}
			}
		}
	}
	for _, s := range []string{"landlord-quota", "landlord-observability", writer} {
		if !boundTo[s] {
			t.Errorf("ServiceAccount %s is bound to no role", s)
		}
	}
	// A pod mounts an API token only if it talks to the API server, that
	// is, if its ServiceAccount is bound to a role.
	for _, w := range r.workloads() {
		sa, mount := w.pod.Spec.ServiceAccountName, w.pod.Spec.AutomountServiceAccountToken
		if sa == "" || sa == "default" {
			t.Errorf("%s: runs as the default ServiceAccount; give it its own", w)
		}
		if mount == nil {
			t.Errorf("%s: say automountServiceAccountToken explicitly", w)
		} else if *mount != boundTo[sa] {
			t.Errorf("%s: automountServiceAccountToken %v, but ServiceAccount %s is bound to a role: %v", w, *mount, sa, boundTo[sa])
		}
	}
}

func TestStateOnVolumes(t *testing.T) {
	r := render(t)
	for _, s := range r.statefulSets {
		w := workload{kind: "StatefulSet", name: s.Name, pod: s.Spec.Template, claims: s.Spec.VolumeClaimTemplates}
		if len(w.claims) == 0 {
			t.Errorf("%s: no volumeClaimTemplate for its bbolt state", w)
		}
		for _, claim := range w.claims {
			for _, c := range w.pod.Spec.Containers {
				dir, ok := argValue(c.Args, "state-dir")
				if !ok {
					t.Errorf("%s, container %s: no --state-dir", w, c.Name)
					continue
				}
				mounted := false
				for _, m := range c.VolumeMounts {
					mounted = mounted || m.Name == claim.Name && !m.ReadOnly && m.MountPath == dir
				}
				if !mounted {
					t.Errorf("%s, container %s: volumeClaimTemplate %s is not mounted writable at --state-dir %s", w, c.Name, claim.Name, dir)
				}
			}
		}
	}
}

func TestNetworkPolicies(t *testing.T) {
	r := render(t)
	denyAll := false
	for _, np := range r.networkPolicies {
		if len(np.Spec.PodSelector.MatchLabels)+len(np.Spec.PodSelector.MatchExpressions) == 0 &&
			slices.Contains(np.Spec.PolicyTypes, "Ingress") && len(np.Spec.Ingress) == 0 {
			denyAll = true
		}
	}
	if !denyAll {
		t.Error("no default-deny ingress NetworkPolicy in landlord-system")
	}
	for _, w := range r.workloads() {
		own := false
		for _, np := range r.networkPolicies {
			sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
			if err != nil {
				t.Fatalf("NetworkPolicy %s: %v", np.Name, err)
			}
			if sel.Empty() || !sel.Matches(labels.Set(w.pod.Labels)) {
				continue
			}
			own = own || np.Name == w.name
			// A named port that no container of a selected pod declares
			// allows nothing: a typo would cut the service off.
			for _, rule := range np.Spec.Ingress {
				for _, p := range rule.Ports {
					if p.Port == nil || p.Port.IntValue() != 0 {
						continue
					}
					if np.Name != "metrics" && !podHasPort(w.pod.Spec, p.Port.String()) {
						t.Errorf("NetworkPolicy %s allows port %q, which %s does not declare", np.Name, p.Port.String(), w)
					}
				}
			}
		}
		if !own {
			t.Errorf("%s: no NetworkPolicy of its own (named %s) says who may call it", w, w.name)
		}
	}
	// Every Service's named target port exists on the pods it selects.
	for _, svc := range r.services {
		for _, w := range r.workloads() {
			if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(w.pod.Labels)) {
				continue
			}
			for _, p := range svc.Spec.Ports {
				if p.TargetPort.IntValue() == 0 && !podHasPort(w.pod.Spec, p.TargetPort.String()) {
					t.Errorf("Service %s: target port %q is not a port of %s", svc.Name, p.TargetPort.String(), w)
				}
			}
		}
	}
}

func podHasPort(spec corev1.PodSpec, port string) bool {
	for _, c := range spec.Containers {
		if hasPort(c, port) {
			return true
		}
	}
	return false
}

// argValue is the value of --name=value in args.
func argValue(args []string, name string) (string, bool) {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
	}
	return "", false
}
