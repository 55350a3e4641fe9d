package bench

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/controller"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans/planstest"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// RawManagedBy replaces the operator's app.kubernetes.io/managed-by value
// on raw objects: the operator's informers select on that label, and raw
// objects in them would cost the measured operator memory, resync time and
// a reconcile each at start. No admission policy reads the value for the
// operator's identity (it is exempt), which raw creates run as.
const RawManagedBy = "landlord-bench-raw"

// Objects are one tenant namespace's objects, typed, in the order the
// operator creates them: the namespace, then the rest at once.
type Objects struct {
	Namespace client.Object
	// Rest are the objects inside the namespace. (A tenant has no flow
	// schema of its own: its tier's, fixed in number, classify it.)
	Rest []client.Object
}

// Len is the number of objects.
func (o Objects) Len() int { return 1 + len(o.Rest) }

// table is the bench's plans: those Landlord used to ship built in, as a
// quota service would send them (planstest).
var table = sync.OnceValue(planstest.Table)

// Render renders tenant namespace ns of t (on t.Spec.Plan, with the
// default network) with the operator's renderer, for creates that bypass
// the operator: without owner references (t need not exist; the garbage
// collector would delete what a missing owner owned) and labelled as
// managed by RawManagedBy. The namespace's ResourceQuota, which
// provisioning's quota writer creates from the quota service's write, is
// made as that writer makes it, with the plan's namespace limits.
func Render(t *v1alpha1.Tenant, ns string) (Objects, error) {
	plan, ok := table().Plan(t.Spec.Plan)
	if !ok {
		return Objects{}, fmt.Errorf("no plan %q", t.Spec.Plan)
	}
	rendered := render.Namespace(t, ns, render.Inputs{Plan: plan, Network: render.DefaultNetwork()})
	var out Objects
	var err error
	if out.Namespace, err = typed(rendered.Namespace); err != nil {
		return Objects{}, err
	}
	rq, err := quota(t, ns)
	if err != nil {
		return Objects{}, err
	}
	out.Rest = append(out.Rest, rq)
	for _, ac := range rendered.Inside() {
		obj, err := typed(ac)
		if err != nil {
			return Objects{}, err
		}
		out.Rest = append(out.Rest, obj)
	}
	return out, nil
}

// quota is the ResourceQuota of tenant namespace ns as the quota writer
// creates it (quotasync), labelled as managed by RawManagedBy.
func quota(t *v1alpha1.Tenant, ns string) (client.Object, error) {
	hard := corev1.ResourceList{}
	for name, v := range planstest.NamespaceHard(t.Spec.Plan) {
		q, err := resource.ParseQuantity(v)
		if err != nil {
			return nil, err
		}
		hard[corev1.ResourceName(name)] = q
	}
	lbl := render.Labels(t.Name, ns)
	lbl[render.LabelManagedBy] = RawManagedBy
	return &corev1.ResourceQuota{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ResourceQuota"},
		ObjectMeta: metav1.ObjectMeta{Namespace: render.ClusterName(t.Name, ns), Name: render.QuotaName, Labels: lbl,
			Annotations: map[string]string{render.AnnotationQuotaSeq: "1"}},
		Spec: corev1.ResourceQuotaSpec{Hard: hard},
	}, nil
}

// configuration is what every generated apply configuration provides.
type configuration interface {
	runtime.ApplyConfiguration
	GetKind() *string
	GetAPIVersion() *string
}

// typed converts ac to the typed object of its kind, as the operator does
// before a create (applied.Applier), and makes it a raw object.
func typed(ac runtime.ApplyConfiguration) (client.Object, error) {
	c, ok := ac.(configuration)
	if !ok || c.GetKind() == nil || c.GetAPIVersion() == nil {
		return nil, fmt.Errorf("%T: not an apply configuration of a kind", ac)
	}
	gv, err := schema.ParseGroupVersion(*c.GetAPIVersion())
	if err != nil {
		return nil, err
	}
	o, err := clientgoscheme.Scheme.New(gv.WithKind(*c.GetKind()))
	if err != nil {
		return nil, err
	}
	obj, ok := o.(client.Object)
	if !ok {
		return nil, fmt.Errorf("%T is not an object", o)
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(ac)
	if err != nil {
		return nil, err
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u, obj); err != nil {
		return nil, err
	}
	obj.SetOwnerReferences(nil)
	if lbl := obj.GetLabels(); lbl[render.LabelManagedBy] == render.ManagedBy {
		lbl[render.LabelManagedBy] = RawManagedBy
		obj.SetLabels(lbl)
	}
	return obj, nil
}

// InstallClusterWide runs the operator's own install step (controller.
// Install: its namespace, CRD, admission policies, cluster roles and the
// API tiers' priority levels), so that raw creates meet the same admission
// and refer to the same priority level, and the operator finds them in
// place.
func InstallClusterWide(ctx context.Context, cfg *rest.Config) error {
	c, err := client.New(rest.CopyConfig(cfg), client.Options{Scheme: clientgoscheme.Scheme})
	if err != nil {
		return err
	}
	operator, err := controller.OperatorIdentity(ctx, cfg)
	if err != nil {
		return err
	}
	return controller.Install(ctx, c, operator)
}
