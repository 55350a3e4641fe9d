package tenants_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/landlord-dev/landlord/services/internal/apierror"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/tenants"
)

func tenant(name, plan string, phase v1alpha1.TenantPhase) *v1alpha1.Tenant {
	return &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: v1alpha1.TenantSpec{Plan: plan},
		Status: v1alpha1.TenantStatus{Phase: phase}}
}

func TestParseFilter(t *testing.T) {
	active := tenant("a", "free", v1alpha1.PhaseActive)
	pending := tenant("b", "standard", "") // not seen by the operator yet: PENDING
	for _, tc := range []struct {
		filter              string
		active, pendingWant bool
	}{
		{"", true, true},
		{"   ", true, true},
		{"phase=ACTIVE", true, false},
		{"phase=active", true, false}, // values are case-insensitive
		{"phase=PENDING", false, true},
		{"plan=free", true, false},
		{"plan=standard phase=PENDING", false, true},
		{"plan=free phase=PENDING", false, false}, // every term must hold
		{"plan=FREE", false, false},               // plan names are exact
	} {
		match, err := tenants.ParseFilter(tc.filter)
		if err != nil {
			t.Errorf("%q: %v", tc.filter, err)
			continue
		}
		if got := match(active); got != tc.active {
			t.Errorf("%q matches the active tenant: %v, want %v", tc.filter, got, tc.active)
		}
		if got := match(pending); got != tc.pendingWant {
			t.Errorf("%q matches the pending tenant: %v, want %v", tc.filter, got, tc.pendingWant)
		}
	}
	for _, bad := range []string{"phase", "phase=SLEEPY", "phase=UNSPECIFIED_X", "name=a", "plan=free owner=x", "=free"} {
		_, err := tenants.ParseFilter(bad)
		if !invalid(err, "filter") {
			t.Errorf("%q: %v, want an invalid argument", bad, err)
		}
	}
}

// List pages through the visible tenants that match, in name order; a
// page token from one listing continues it.
func TestListPagesVisibleMatchingTenantsInOrder(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	b := fake.NewClientBuilder().WithScheme(scheme)
	for i := 9; i >= 0; i-- { // created out of order
		plan := "free"
		if i%2 == 1 {
			plan = "standard"
		}
		b = b.WithObjects(tenant(fmt.Sprintf("t%d", i), plan, v1alpha1.PhaseActive))
	}
	s := &tenants.Service{Cache: b.Build()}
	visible := func(name string) bool { return name != "t4" }
	var got []string
	pages := 0
	for token := ""; ; {
		page, next, err := s.List(context.Background(), visible, "plan=free", 2, token)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, tn := range page {
			got = append(got, tn.Name)
		}
		if token = next; token == "" {
			break
		}
	}
	if want := []string{"t0", "t2", "t6", "t8"}; fmt.Sprint(got) != fmt.Sprint(want) || pages != 2 {
		t.Errorf("listed %v in %d pages, want %v in 2", got, pages, want)
	}
	if _, _, err := s.List(context.Background(), visible, "", 2, "not-a-token"); !invalid(err, "page_token") {
		t.Errorf("bad page token: %v, want an invalid argument", err)
	}
}

// invalid: err is an invalid argument naming field.
func invalid(err error, field string) bool {
	e, ok := errors.AsType[*apierror.InvalidArgumentError](err)
	return ok && len(e.Violations) == 1 && e.Violations[0].Field == field
}
