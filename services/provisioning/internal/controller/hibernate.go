package controller

import (
	"context"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
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
func (r *TenantReconciler) sleep(ctx context.Context, owned []string, hibernate bool) error {
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
			if err := r.scale(ctx, d, &d.Spec.Replicas, hibernate); err != nil {
				return err
			}
		}
		for i := range statefulsets.Items {
			s := &statefulsets.Items[i]
			if err := r.scale(ctx, s, &s.Spec.Replicas, hibernate); err != nil {
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

// scale sets *replicas to 0 (remembering it) or back to the remembered value.
func (r *TenantReconciler) scale(ctx context.Context, obj client.Object, replicas **int32, hibernate bool) error {
	before := obj.DeepCopyObject().(client.Object)
	ann := obj.GetAnnotations()
	saved, remembered := ann[replicasAnnotation]
	switch {
	case hibernate && !remembered:
		n := int32(1)
		if *replicas != nil {
			n = **replicas
		}
		setAnnotation(obj, replicasAnnotation, strconv.Itoa(int(n)))
		*replicas = ptr.To[int32](0)
	case !hibernate && remembered:
		*replicas = ptr.To(rememberedReplicas(saved))
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
