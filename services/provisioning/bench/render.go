package bench

import (
	"context"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/controller"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans"
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
	// Rest are the objects inside the namespace and the tenant's flow
	// schema.
	Rest []client.Object
}

// Len is the number of objects.
func (o Objects) Len() int { return 1 + len(o.Rest) }

var builtin = sync.OnceValues(plans.Builtin)

// Render renders tenant namespace ns of t (on t.Spec.Plan, with the
// default network) with the operator's renderer, for creates that bypass
// the operator: without owner references (t need not exist; the garbage
// collector would delete what a missing owner owned) and labelled as
// managed by RawManagedBy.
func Render(t *v1alpha1.Tenant, ns string) (Objects, error) {
	table, err := builtin()
	if err != nil {
		return Objects{}, err
	}
	plan := table[t.Spec.Plan]
	if plan == nil {
		return Objects{}, fmt.Errorf("no plan %q", t.Spec.Plan)
	}
	rendered := render.Namespace(t, ns, render.Inputs{Plan: plan, Network: render.DefaultNetwork()})
	var out Objects
	if out.Namespace, err = typed(rendered.Namespace); err != nil {
		return Objects{}, err
	}
	for _, ac := range rendered.Inside() {
		obj, err := typed(ac)
		if err != nil {
			return Objects{}, err
		}
		out.Rest = append(out.Rest, obj)
	}
	fs, err := typed(render.FlowSchema(t, []string{render.ClusterName(t.Name, ns)}))
	if err != nil {
		return Objects{}, err
	}
	out.Rest = append(out.Rest, fs)
	return out, nil
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
// plans' priority levels), so that raw creates meet the same admission
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
	table, err := builtin()
	if err != nil {
		return err
	}
	return controller.Install(ctx, c, table, operator)
}
