package bench

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

func TestRender(t *testing.T) {
	tenant := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: "raw-00001", UID: "u"},
		Spec: v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "app"}}}}
	objs, err := Render(tenant, "app")
	if err != nil {
		t.Fatal(err)
	}
	if got := objs.Namespace.GetName(); got != "raw-00001-app" {
		t.Errorf("namespace %q", got)
	}
	for _, o := range append([]client.Object{objs.Namespace}, objs.Rest...) {
		if len(o.GetOwnerReferences()) != 0 {
			t.Errorf("%s has owner references", o.GetName())
		}
		if l := o.GetLabels(); l[render.LabelTenant] != "raw-00001" || l[render.LabelManagedBy] != RawManagedBy {
			t.Errorf("%s labels %v", o.GetName(), l)
		}
	}
	kinds := map[string]int{}
	for _, obj := range objs.Rest {
		kinds[obj.GetObjectKind().GroupVersionKind().Kind]++
	}
	t.Logf("%d objects: %v", objs.Len(), kinds)
	if kinds["FlowSchema"] != 0 || kinds["ResourceQuota"] != 1 || kinds["RoleBinding"] == 0 {
		t.Errorf("kinds %v", kinds)
	}
}
