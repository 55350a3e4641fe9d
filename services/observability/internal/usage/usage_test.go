package usage

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func res(cpu, mem string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Requests: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}}
}

func TestPodResourcesCountsInitContainersSidecarsAndOverhead(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	spec := &corev1.PodSpec{
		Containers: []corev1.Container{{Resources: res("100m", "64Mi")}, {Resources: res("200m", "64Mi")}},
		InitContainers: []corev1.Container{
			{Resources: res("50m", "1Gi")},                          // the biggest memory, alone
			{Resources: res("100m", "8Mi"), RestartPolicy: &always}, // a sidecar: runs throughout
			{Resources: res("500m", "8Mi")},                         // with the sidecar: 600m
		},
		Overhead: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m")},
	}
	req, _ := PodResources(spec)
	// cpu: max(100+200+100, 100+500) + 10; memory: max(64+64+8, 1Gi).
	if got := req.Cpu().MilliValue(); got != 610 {
		t.Errorf("cpu = %dm, want 610m", got)
	}
	if got := req.Memory().Value(); got != 1<<30 {
		t.Errorf("memory = %d, want 1Gi", got)
	}
}

func TestTerminatedPodsHoldNoRequests(t *testing.T) {
	var u Usage
	r := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}
	for _, p := range []corev1.PodPhase{corev1.PodPending, corev1.PodRunning, corev1.PodSucceeded, corev1.PodFailed, ""} {
		u.AddPod(p, r, r)
	}
	if u.CPURequests != 3000 || u.CPULimits != 3000 || u.Objects.Pods != 5 {
		t.Errorf("usage = %+v, want 3 cores of requests and limits over 5 pods", u)
	}
	if u.Pods != (PodPhases{Pending: 1, Running: 1, Succeeded: 1, Failed: 1, Unknown: 1}) {
		t.Errorf("phases = %+v", u.Pods)
	}
	var total Usage
	total.Add(u)
	total.Add(u)
	if total.CPURequests != 6000 || total.Pods.Running != 2 {
		t.Errorf("sum = %+v", total)
	}
}
