// Package usage is what a tenant's namespaces hold: requests, limits,
// pods by phase, object counts and replicas, summed per namespace and per
// tenant. Pure values: the cluster package fills them from its informers.
package usage

import (
	corev1 "k8s.io/api/core/v1"
)

// Usage is one namespace's or one tenant's usage. CPU is in millicores,
// memory and storage in bytes.
type Usage struct {
	Pods                         PodPhases
	CPURequests, CPULimits       int64
	MemoryRequests, MemoryLimits int64
	StorageRequests              int64
	Objects                      Objects
	Deployments, StatefulSets    Replicas
}

// PodPhases counts pods by phase.
type PodPhases struct{ Pending, Running, Succeeded, Failed, Unknown int }

// Objects counts objects by kind.
type Objects struct {
	Pods, Services, ConfigMaps, Secrets, PVCs, Deployments, StatefulSets, Jobs int
}

// Replicas are workloads' desired and ready replicas.
type Replicas struct{ Desired, Ready int }

// Namespace is one namespace's usage and its ResourceQuota.
type Namespace struct {
	Name                 string
	Usage                Usage
	QuotaHard, QuotaUsed corev1.ResourceList
}

// Tenant is a tenant's usage: its namespaces and their sum.
type Tenant struct {
	Name       string
	UID        string // history is kept by UID: a re-created name inherits none
	Total      Usage
	Namespaces []Namespace
}

// Add adds o to u.
func (u *Usage) Add(o Usage) {
	u.Pods.Pending += o.Pods.Pending
	u.Pods.Running += o.Pods.Running
	u.Pods.Succeeded += o.Pods.Succeeded
	u.Pods.Failed += o.Pods.Failed
	u.Pods.Unknown += o.Pods.Unknown
	u.CPURequests += o.CPURequests
	u.CPULimits += o.CPULimits
	u.MemoryRequests += o.MemoryRequests
	u.MemoryLimits += o.MemoryLimits
	u.StorageRequests += o.StorageRequests
	u.Objects.Pods += o.Objects.Pods
	u.Objects.Services += o.Objects.Services
	u.Objects.ConfigMaps += o.Objects.ConfigMaps
	u.Objects.Secrets += o.Objects.Secrets
	u.Objects.PVCs += o.Objects.PVCs
	u.Objects.Deployments += o.Objects.Deployments
	u.Objects.StatefulSets += o.Objects.StatefulSets
	u.Objects.Jobs += o.Objects.Jobs
	u.Deployments.Desired += o.Deployments.Desired
	u.Deployments.Ready += o.Deployments.Ready
	u.StatefulSets.Desired += o.StatefulSets.Desired
	u.StatefulSets.Ready += o.StatefulSets.Ready
}

// AddPod counts a pod whose effective requests and limits are given (see
// PodResources); a terminated pod holds none.
func (u *Usage) AddPod(phase corev1.PodPhase, requests, limits corev1.ResourceList) {
	u.Objects.Pods++
	switch phase {
	case corev1.PodPending:
		u.Pods.Pending++
	case corev1.PodRunning:
		u.Pods.Running++
	case corev1.PodSucceeded:
		u.Pods.Succeeded++
		return
	case corev1.PodFailed:
		u.Pods.Failed++
		return
	default:
		u.Pods.Unknown++
	}
	u.CPURequests += requests.Cpu().MilliValue()
	u.CPULimits += limits.Cpu().MilliValue()
	u.MemoryRequests += requests.Memory().Value()
	u.MemoryLimits += limits.Memory().Value()
}

// PodResources is what a pod asks for as the scheduler and quota count
// it: its containers and restartable (sidecar) init containers, or the
// largest ordinary init container plus the sidecars started before it if
// that is more, plus the pod overhead.
func PodResources(spec *corev1.PodSpec) (requests, limits corev1.ResourceList) {
	return podResources(spec, func(r corev1.ResourceRequirements) corev1.ResourceList { return r.Requests }),
		podResources(spec, func(r corev1.ResourceRequirements) corev1.ResourceList { return r.Limits })
}

func podResources(spec *corev1.PodSpec, of func(corev1.ResourceRequirements) corev1.ResourceList) corev1.ResourceList {
	sum := corev1.ResourceList{}
	for _, c := range spec.Containers {
		addTo(sum, of(c.Resources))
	}
	sidecars := corev1.ResourceList{}
	initMax := corev1.ResourceList{}
	for _, c := range spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			addTo(sidecars, of(c.Resources))
			addTo(sum, of(c.Resources))
			continue
		}
		// An ordinary init container runs beside the sidecars before it.
		during := sidecars.DeepCopy()
		addTo(during, of(c.Resources))
		maxTo(initMax, during)
	}
	maxTo(sum, initMax)
	addTo(sum, spec.Overhead)
	return sum
}

func addTo(dst, src corev1.ResourceList) {
	for name, q := range src {
		v := dst[name]
		v.Add(q)
		dst[name] = v
	}
}

func maxTo(dst, src corev1.ResourceList) {
	for name, q := range src {
		if v, ok := dst[name]; !ok || q.Cmp(v) > 0 {
			dst[name] = q.DeepCopy()
		}
	}
}
