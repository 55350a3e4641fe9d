package controller_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

func TestHibernateAndWakeRestoreWorkloadsExactly(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	tenant := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: "ctl-sleepy"},
		Spec: v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "app"}}}}
	if err := c.Create(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), tenant) })
	waitPhase(t, c, "ctl-sleepy", v1alpha1.PhaseActive)

	ns := "ctl-sleepy-app"
	labels := map[string]string{"app": "web"}
	template := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "example.invalid/web:1"}}}}
	workloads := []client.Object{
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns}, Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](3), Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: template}},
		&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: ns}, Spec: appsv1.StatefulSetSpec{
			Replicas: ptr.To[int32](2), Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: template}},
		&batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "nightly", Namespace: ns}, Spec: batchv1.CronJobSpec{
			Schedule: "0 3 * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
				Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: template.Spec.Containers}}}}}},
		&batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "paused", Namespace: ns}, Spec: batchv1.CronJobSpec{
			Schedule: "0 4 * * *", Suspend: ptr.To(true), JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
				Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: template.Spec.Containers}}}}}},
	}
	for _, w := range workloads {
		if err := c.Create(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	state := func() string {
		d, s, nightly, paused := &appsv1.Deployment{}, &appsv1.StatefulSet{}, &batchv1.CronJob{}, &batchv1.CronJob{}
		for name, obj := range map[string]client.Object{"web": d, "db": s, "nightly": nightly, "paused": paused} {
			if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, obj); err != nil {
				return err.Error()
			}
		}
		return fmt.Sprintf("web=%d db=%d nightly-suspended=%v paused-suspended=%v",
			*d.Spec.Replicas, *s.Spec.Replicas, *nightly.Spec.Suspend, *paused.Spec.Suspend)
	}
	awake := "web=3 db=2 nightly-suspended=false paused-suspended=true"
	if got := state(); got != awake {
		t.Fatalf("before hibernation: %s", got)
	}

	setHibernated := func(on bool) {
		t.Helper()
		current := &v1alpha1.Tenant{}
		if err := c.Get(ctx, client.ObjectKey{Name: "ctl-sleepy"}, current); err != nil {
			t.Fatal(err)
		}
		current.Spec.Hibernation.Hibernated = on
		if err := c.Update(ctx, current); err != nil {
			t.Fatal(err)
		}
	}
	setHibernated(true)
	waitPhase(t, c, "ctl-sleepy", v1alpha1.PhaseHibernated)
	if got := state(); got != "web=0 db=0 nightly-suspended=true paused-suspended=true" {
		t.Errorf("hibernated: %s", got)
	}
	setHibernated(false)
	waitPhase(t, c, "ctl-sleepy", v1alpha1.PhaseActive)
	devclustertest.Eventually(t, 10*time.Second, func() error {
		if got := state(); got != awake {
			return fmt.Errorf("after waking: %s, want %s", got, awake)
		}
		return nil
	})
}

// TestChangesWhileHibernatedAreReported: a Deployment a person scales up,
// or creates, while its tenant sleeps is put to sleep too at the next
// pass, with the person's count remembered for the wake, and each change
// is reported as an event on the Tenant.
func TestChangesWhileHibernatedAreReported(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	tenant := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: "ctl-restless"},
		Spec: v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "app"}}}}
	if err := c.Create(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), tenant) })
	waitPhase(t, c, "ctl-restless", v1alpha1.PhaseActive)
	ns := "ctl-restless-app"
	labels := map[string]string{"app": "web"}
	deployment := func(name string, replicas int32) *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas), Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "example.invalid/web:1"}}}}}}
	}
	if err := c.Create(ctx, deployment("web", 3)); err != nil {
		t.Fatal(err)
	}
	patchTenant := func(patch string) {
		t.Helper()
		if err := c.Patch(ctx, &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: "ctl-restless"}}, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
			t.Fatal(err)
		}
	}
	replicas := func() string {
		var out []string
		for _, name := range []string{"web", "late"} {
			d := &appsv1.Deployment{}
			if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, d); err != nil {
				out = append(out, name+"=none")
				continue
			}
			out = append(out, fmt.Sprintf("%s=%d", name, *d.Spec.Replicas))
		}
		return strings.Join(out, " ")
	}
	want := func(state string) {
		t.Helper()
		devclustertest.Eventually(t, 20*time.Second, func() error {
			if got := replicas(); got != state {
				return fmt.Errorf("deployments %s, want %s", got, state)
			}
			return nil
		})
	}
	patchTenant(`{"spec":{"hibernation":{"hibernated":true}}}`)
	waitPhase(t, c, "ctl-restless", v1alpha1.PhaseHibernated)
	want("web=0 late=none")

	// A person scales web up and starts another one while it sleeps.
	if err := c.Patch(ctx, deployment("web", 5), client.RawPatch(types.MergePatchType, []byte(`{"spec":{"replicas":5}}`))); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, deployment("late", 2)); err != nil {
		t.Fatal(err)
	}
	patchTenant(`{"spec":{"displayName":"Restless"}}`) // the next pass, sooner than the minute
	want("web=0 late=0")
	devclustertest.Eventually(t, 20*time.Second, func() error {
		events, err := devclustertest.Admin(t).EventsV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "reason=ChangedWhileHibernated"})
		if err != nil {
			return err
		}
		var notes []string
		for _, e := range events.Items {
			if e.Regarding.Name == "ctl-restless" {
				notes = append(notes, e.Note)
			}
		}
		for _, name := range []string{ns + "/web now has 5", ns + "/late now has 2"} {
			if !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, name) }) {
				return fmt.Errorf("no event saying %q: %q", name, notes)
			}
		}
		return nil
	})

	// Waking brings back what the person asked for.
	patchTenant(`{"spec":{"hibernation":{"hibernated":false}}}`)
	waitPhase(t, c, "ctl-restless", v1alpha1.PhaseActive)
	want("web=5 late=2")
}
