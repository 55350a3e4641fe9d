package bench

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// Fill creates pods of podMilli CPU in ns until quota refuses one.
func Fill(ctx context.Context, kube kubernetes.Interface, ns string, podMilli int64) (int, error) {
	for n := 0; ; n++ {
		_, err := kube.CoreV1().Pods(ns).Create(ctx, Pod(fmt.Sprintf("fill-%d", n), podMilli), metav1.CreateOptions{})
		if RefusedForQuota(err) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// Rebalance measures one rebalance end to end in a full namespace: a
// ReplicaSet's pod is refused for quota, and the time runs from the
// refusal (its FailedCreate event, as the quota service sees it) to the
// namespace's new hard limit in the cluster. It returns once the pod is
// admitted, so the namespace is full again for the next sample.
func Rebalance(ctx context.Context, kube kubernetes.Interface, ns, name string, podMilli int64) (time.Duration, error) {
	rq, err := kube.CoreV1().ResourceQuotas(ns).Get(ctx, v1alpha1.QuotaName, metav1.GetOptions{})
	if err != nil {
		return 0, err
	}
	before := rq.Spec.Hard[corev1.ResourceRequestsCPU]
	events, err := kube.CoreV1().Events(ns).Watch(ctx, metav1.ListOptions{
		FieldSelector: fields.AndSelectors(fields.OneTermEqualSelector("reason", "FailedCreate"),
			fields.OneTermEqualSelector("involvedObject.name", name)).String()})
	if err != nil {
		return 0, err
	}
	defer events.Stop()
	quotas, err := kube.CoreV1().ResourceQuotas(ns).Watch(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("metadata.name", v1alpha1.QuotaName).String(), ResourceVersion: rq.ResourceVersion})
	if err != nil {
		return 0, err
	}
	defer quotas.Stop()
	if _, err := kube.AppsV1().ReplicaSets(ns).Create(ctx, replicaSet(name, podMilli), metav1.CreateOptions{}); err != nil {
		return 0, err
	}
	var refused time.Time
	for refused.IsZero() {
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("no quota refusal for %s: %w", name, ctx.Err())
		case ev := <-events.ResultChan():
			if ev.Type == watch.Added || ev.Type == watch.Modified {
				refused = time.Now()
			}
		}
	}
	for {
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("no new hard limit in %s: %w", ns, ctx.Err())
		case ev, ok := <-quotas.ResultChan():
			if !ok {
				return 0, fmt.Errorf("quota watch of %s ended", ns)
			}
			if rq, isRQ := ev.Object.(*corev1.ResourceQuota); isRQ {
				if hard := rq.Spec.Hard[corev1.ResourceRequestsCPU]; hard.Cmp(before) > 0 {
					took := time.Since(refused)
					return took, waitReady(ctx, kube, ns, name)
				}
			}
		}
	}
}

func waitReady(ctx context.Context, kube kubernetes.Interface, ns, name string) error {
	for ctx.Err() == nil {
		rs, err := kube.AppsV1().ReplicaSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if rs.Status.Replicas == 1 {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return ctx.Err()
}

func replicaSet(name string, podMilli int64) *appsv1.ReplicaSet {
	one := int32(1)
	labels := map[string]string{"app": name}
	p := Pod("", podMilli)
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.ReplicaSetSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: p.Spec}},
	}
}
