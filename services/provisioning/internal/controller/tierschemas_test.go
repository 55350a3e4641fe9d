package controller_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// tierSchemaOf waits until tenant's subjects (its four role groups and
// a ServiceAccount subject for each of namespaces) are in its shard of
// tier's flow schemas, and returns that schema.
func tierSchemaOf(t *testing.T, c client.Client, tier, tenant string, namespaces ...string) *flowcontrolv1.FlowSchema {
	t.Helper()
	fs := &flowcontrolv1.FlowSchema{}
	name := render.TierFlowSchemaName(tier, render.TierShard(tenant))
	devclustertest.Eventually(t, 30*time.Second, func() error {
		if err := c.Get(context.Background(), client.ObjectKey{Name: name}, fs); err != nil {
			return err
		}
		have := subjectsOf(fs)
		for _, want := range append(roleGroups(tenant), serviceAccounts(namespaces)...) {
			if !slices.Contains(have, want) {
				return fmt.Errorf("flow schema %s lacks %s: %v", name, want, have)
			}
		}
		return nil
	})
	if fs.Spec.PriorityLevelConfiguration.Name != render.PriorityLevelName(tier) {
		t.Errorf("flow schema %s level = %s", name, fs.Spec.PriorityLevelConfiguration.Name)
	}
	return fs
}

// waitNotInTierSchemas waits until no tier flow schema names tenant.
func waitNotInTierSchemas(t *testing.T, c client.Client, tenant string) {
	t.Helper()
	devclustertest.Eventually(t, 30*time.Second, func() error {
		for _, name := range render.TierFlowSchemaNames() {
			fs := &flowcontrolv1.FlowSchema{}
			if err := c.Get(context.Background(), client.ObjectKey{Name: name}, fs); err != nil {
				return err
			}
			for _, s := range subjectsOf(fs) {
				if strings.Contains(s, "landlord:tenant:"+tenant+":") || strings.HasPrefix(s, "sa:"+tenant+"-") {
					return fmt.Errorf("flow schema %s still has %s", name, s)
				}
			}
		}
		return nil
	})
}

func roleGroups(tenant string) []string {
	var out []string
	for _, role := range []string{"owner", "admin", "editor", "viewer"} {
		out = append(out, "landlord:tenant:"+tenant+":"+role)
	}
	return out
}

func serviceAccounts(namespaces []string) []string {
	var out []string
	for _, ns := range namespaces {
		out = append(out, "sa:"+ns+"/*")
	}
	return out
}

// subjectsOf lists a flow schema's subjects: a group's name, or
// "sa:<namespace>/<name>".
func subjectsOf(fs *flowcontrolv1.FlowSchema) []string {
	var out []string
	for _, r := range fs.Spec.Rules {
		for _, s := range r.Subjects {
			switch {
			case s.Group != nil:
				out = append(out, s.Group.Name)
			case s.ServiceAccount != nil:
				out = append(out, "sa:"+s.ServiceAccount.Namespace+"/"+s.ServiceAccount.Name)
			}
		}
	}
	return out
}

// noTenantFlowSchemas says that no flow schema of a tenant's own is left.
func noTenantFlowSchemas(t *testing.T, c client.Client) {
	t.Helper()
	list := &flowcontrolv1.FlowSchemaList{}
	if err := c.List(context.Background(), list); err != nil {
		t.Fatal(err)
	}
	for _, fs := range list.Items {
		if strings.HasPrefix(fs.Name, "landlord-tenant-") {
			t.Errorf("flow schema %s is a tenant's own", fs.Name)
		}
	}
}

// TestTierFlowSchemas: tenants on one tier are in that tier's flow
// schemas, their groups and the ServiceAccounts of their namespaces, and
// the API server classifies their requests there; a tenant whose plan
// moves to another tier moves to that tier's schema, and a deleted tenant
// leaves them. A member whose token carries a tier group is classified by
// that tier's users schema. No tenant has a flow schema of its own, and
// there are as many schemas as ever.
func TestTierFlowSchemas(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	provision(t, c, "apf-one", v1alpha1.TenantSpec{Plan: "free", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}, {Name: "db"}}})
	two := provision(t, c, "apf-two", v1alpha1.TenantSpec{Plan: "free", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}}})
	one := tierSchemaOf(t, c, "free", "apf-one", "apf-one-web", "apf-one-db")
	tierSchemaOf(t, c, "free", "apf-two", "apf-two-web")
	devclustertest.Eventually(t, 30*time.Second, func() error {
		if got := matchedFlowSchema(t, "landlord:ann", "landlord:tenant:apf-one:viewer"); got != string(one.UID) {
			return fmt.Errorf("request matched flow schema %s, want %s (%s)", got, one.UID, one.Name)
		}
		return nil
	})
	noTenantFlowSchemas(t, c)

	// A token carrying tier groups (identity adds them) is classified by
	// the tiers' users schemas, ahead of the shards, the most generous
	// tier first.
	usersSchema := func(tier string) string {
		fs := &flowcontrolv1.FlowSchema{}
		if err := c.Get(ctx, client.ObjectKey{Name: render.TierUsersFlowSchemaName(tier)}, fs); err != nil {
			t.Fatal(err)
		}
		return string(fs.UID)
	}
	for _, tc := range []struct {
		groups []string
		tier   string
	}{
		{[]string{"landlord:tenant:apf-one:viewer", "landlord:tier:free"}, "free"},
		{[]string{"landlord:tier:free", "landlord:tier:enterprise", "landlord:tier:standard"}, "enterprise"},
	} {
		if got, want := matchedFlowSchema(t, "landlord:bo", tc.groups...), usersSchema(tc.tier); got != want {
			t.Errorf("groups %v matched flow schema %s, want %s (%s)", tc.groups, got, want, render.TierUsersFlowSchemaName(tc.tier))
		}
	}

	// A plan on another tier moves the tenant there, and out of free.
	if err := c.Patch(ctx, two, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"plan":"enterprise"}}`))); err != nil {
		t.Fatal(err)
	}
	tierSchemaOf(t, c, "enterprise", "apf-two", "apf-two-web")
	devclustertest.Eventually(t, 30*time.Second, func() error {
		fs := &flowcontrolv1.FlowSchema{}
		if err := c.Get(ctx, client.ObjectKey{Name: render.TierFlowSchemaName("free", render.TierShard("apf-two"))}, fs); err != nil {
			return err
		}
		if have := subjectsOf(fs); slices.Contains(have, "landlord:tenant:apf-two:owner") {
			return fmt.Errorf("apf-two is still in %s: %v", fs.Name, have)
		}
		return nil
	})

	// A deleted tenant leaves; the other stays.
	if err := c.Delete(ctx, two); err != nil {
		t.Fatal(err)
	}
	waitNotInTierSchemas(t, c, "apf-two")
	tierSchemaOf(t, c, "free", "apf-one", "apf-one-web", "apf-one-db")
	noTenantFlowSchemas(t, c)
	list := &flowcontrolv1.FlowSchemaList{}
	if err := c.List(ctx, list, client.HasLabels{render.LabelAPITier}); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != len(render.TierFlowSchemaNames()) {
		t.Errorf("%d tier flow schemas, want %d", len(list.Items), len(render.TierFlowSchemaNames()))
	}
}
