package controller

import (
	"context"
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// Annotations that remember what hibernation changed, on the workload
// itself, so that waking restores it exactly even after a restart.
const (
	replicasAnnotation = "landlord.dev/replicas-before-hibernation"
	suspendAnnotation  = "landlord.dev/suspend-before-hibernation"
)

// sleep scales the tenant's Deployments and StatefulSets to zero and
// suspends its CronJobs, remembering each value; wake reverses it. Both are
// idempotent. Tenant workloads are read from the API server, not from the
// operator's caches, which hold only Landlord's own objects.
//
// A workload a person creates or scales up while the tenant sleeps is
// put to sleep too at the next pass (hibernated tenants are looked at
// every minute), remembering the person's count for the wake, and each
// such change is reported as a ChangedWhileHibernated event on the
// Tenant, not skipped in silence.
func (r *TenantReconciler) sleep(ctx context.Context, t *v1alpha1.Tenant, owned []string, hibernate bool) error {
	for _, ns := range owned {
		namespace := client.InNamespace(ns)
		deployments := &appsv1.DeploymentList{}
		statefulsets := &appsv1.StatefulSetList{}
		cronjobs := &batchv1.CronJobList{}
		for _, list := range []client.ObjectList{deployments, statefulsets, cronjobs} {
			if err := r.Reader.List(ctx, list, namespace); err != nil {
				return err
			}
		}
		for i := range deployments.Items {
			d := &deployments.Items[i]
			if err := r.scale(ctx, t, d, &d.Spec.Replicas, hibernate); err != nil {
				return err
			}
		}
		for i := range statefulsets.Items {
			s := &statefulsets.Items[i]
			if err := r.scale(ctx, t, s, &s.Spec.Replicas, hibernate); err != nil {
				return err
			}
		}
		for i := range cronjobs.Items {
			if err := r.suspend(ctx, &cronjobs.Items[i], hibernate); err != nil {
				return err
			}
		}
	}
	return nil
}

// scale sets *replicas to 0 (remembering it) or back to the remembered
// value. A count that is not 0 on a remembered workload was set by a
// person while the tenant slept: asleep, it is remembered instead (and
// the workload sleeps again); waking, it is kept. Either is reported.
func (r *TenantReconciler) scale(ctx context.Context, t *v1alpha1.Tenant, obj client.Object, replicas **int32, hibernate bool) error {
	before := obj.DeepCopyObject().(client.Object)
	ann := obj.GetAnnotations()
	saved, remembered := ann[replicasAnnotation]
	n := int32(1)
	if *replicas != nil {
		n = **replicas
	}
	asleep := t.Status.Phase == v1alpha1.PhaseHibernated
	switch {
	case hibernate && (!remembered || n != 0):
		if asleep && n != 0 {
			r.changedWhileAsleep(t, obj, "now has %d replicas: put to sleep, they come back on wake", n)
		}
		setAnnotation(obj, replicasAnnotation, strconv.Itoa(int(n)))
		*replicas = ptr.To[int32](0)
	case !hibernate && remembered:
		if n != 0 {
			r.changedWhileAsleep(t, obj, "was scaled to %d replicas while the tenant slept: kept", n)
		} else {
			*replicas = ptr.To(rememberedReplicas(saved))
		}
		delete(ann, replicasAnnotation)
		obj.SetAnnotations(ann)
	default:
		return nil
	}
	// Landlord's field manager: the observability service does not count
	// Landlord's own changes as the tenant's activity.
	return r.Client.Patch(ctx, obj, client.MergeFrom(before), client.FieldOwner(v1alpha1.FieldManager))
}

// suspend suspends a CronJob (remembering its setting) or restores it.
func (r *TenantReconciler) suspend(ctx context.Context, cj *batchv1.CronJob, hibernate bool) error {
	before := cj.DeepCopy()
	saved, remembered := cj.Annotations[suspendAnnotation]
	switch {
	case hibernate && !remembered:
		setAnnotation(cj, suspendAnnotation, strconv.FormatBool(cj.Spec.Suspend != nil && *cj.Spec.Suspend))
		suspended := true
		cj.Spec.Suspend = &suspended
	case !hibernate && remembered:
		was := saved == "true"
		cj.Spec.Suspend = &was
		delete(cj.Annotations, suspendAnnotation)
	default:
		return nil
	}
	return r.Client.Patch(ctx, cj, client.MergeFrom(before), client.FieldOwner(v1alpha1.FieldManager))
}

// rememberedReplicas reads a replica count back from an annotation the
// tenant can write: anything that is not a count a workload may have
// restores one replica.
func rememberedReplicas(saved string) int32 {
	n, err := strconv.ParseInt(saved, 10, 32)
	if err != nil || n < 0 {
		return 1
	}
	return int32(n)
}

func setAnnotation(obj client.Object, key, value string) {
	ann := obj.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[key] = value
	obj.SetAnnotations(ann)
}

// changedWhileAsleep reports a person's change to a workload of a
// sleeping tenant on the Tenant, naming the workload.
func (r *TenantReconciler) changedWhileAsleep(t *v1alpha1.Tenant, obj client.Object, format string, n int32) {
	kind := fmt.Sprintf("%T", obj)[len("*v1."):]
	// The workload is the related object: events about different ones
	// are never folded into one series.
	r.Events.Eventf(t, obj, corev1.EventTypeNormal, "ChangedWhileHibernated", "Hibernate",
		"%s %s/%s "+format, kind, obj.GetNamespace(), obj.GetName(), n)
}
