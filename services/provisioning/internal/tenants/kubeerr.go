package tenants

import (
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// fromKube turns an API server error into the domain error the one
// mapping point (apierror) understands; anything unexpected stays
// internal. The admission policies' refusals (deletion protection) are
// preconditions the caller can fix.
func fromKube(err error) error {
	switch {
	case err == nil:
		return nil
	case apierrors.IsNotFound(err):
		return fmt.Errorf("tenant %w", apierror.ErrNotFound)
	case apierrors.IsAlreadyExists(err):
		return fmt.Errorf("tenant %w", apierror.ErrAlreadyExists)
	case apierrors.IsConflict(err):
		return apierror.ErrEtagMismatch
	case apierrors.IsInvalid(err):
		return invalid(err)
	case apierrors.IsForbidden(err):
		return wrapMessage(err, apierror.ErrFailedPrecondition)
	case apierrors.IsTooManyRequests(err), apierrors.IsServerTimeout(err), apierrors.IsTimeout(err), apierrors.IsServiceUnavailable(err):
		return wrapMessage(err, apierror.ErrUnavailable)
	}
	return err
}

func wrapMessage(err, sentinel error) error {
	if s, ok := err.(apierrors.APIStatus); ok {
		return fmt.Errorf("%s: %w", s.Status().Message, sentinel)
	}
	return sentinel
}

// invalid names the API field of each violation the API server found.
func invalid(err error) error {
	out := &apierror.InvalidArgumentError{}
	if s, ok := err.(apierrors.APIStatus); ok && s.Status().Details != nil {
		for _, c := range s.Status().Details.Causes {
			out.Violations = append(out.Violations, apierror.FieldViolation{Field: apiField(c), Description: c.Message})
		}
	}
	if len(out.Violations) == 0 {
		out.Violations = []apierror.FieldViolation{{Field: "tenant", Description: err.Error()}}
	}
	return out
}

// apiField maps "spec.displayName" to "tenant.display_name".
func apiField(c metav1.StatusCause) string {
	f := strings.TrimPrefix(strings.TrimPrefix(c.Field, "metadata."), "spec.")
	var b strings.Builder
	b.WriteString("tenant.")
	for _, r := range f {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
