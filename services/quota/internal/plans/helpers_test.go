package plans

import (
	"errors"
	"strings"
	"testing"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// defaultPlan returns a fresh copy of the named default plan.
func defaultPlan(t *testing.T, name string) *quotav1.Plan {
	t.Helper()
	defaults, err := Defaults()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range defaults {
		if p.GetName() == name {
			return p
		}
	}
	t.Fatalf("no default plan %q", name)
	return nil
}

// fieldsOf returns an InvalidArgumentError's descriptions by field.
func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	var invalid *apierror.InvalidArgumentError
	if !errors.As(err, &invalid) {
		t.Fatalf("error %v, want an InvalidArgumentError", err)
	}
	out := map[string]string{}
	for _, v := range invalid.Violations {
		out[v.Field] = v.Description
	}
	return out
}

// wantViolation fails unless err names field with a description
// containing desc.
func wantViolation(t *testing.T, err error, field, desc string) {
	t.Helper()
	got, ok := fieldsOf(t, err)[field]
	if !ok || !strings.Contains(got, desc) {
		t.Errorf("violations %v: want %s: %q", fieldsOf(t, err), field, desc)
	}
}
