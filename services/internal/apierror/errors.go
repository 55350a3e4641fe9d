// Package apierror is the one place where domain errors become gRPC statuses.
//
// Domain code returns the sentinels and types below (wrapped with %w and a
// client-safe message where useful); the server runtime calls Status once
// per failed call. Anything else is an internal error: its text is logged
// with the request id and never sent to the client.
package apierror

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Domain is the google.rpc.ErrorInfo domain of every Landlord error.
const Domain = "landlord.dev"

// Sentinels for the common outcomes. Wrap them to add a client-safe message:
//
//	fmt.Errorf("tenant %q: %w", name, apierror.ErrNotFound)
var (
	ErrNotFound           = errors.New("not found")
	ErrAlreadyExists      = errors.New("already exists")
	ErrEtagMismatch       = errors.New("etag does not match the current version; read it again and retry")
	ErrFailedPrecondition = errors.New("failed precondition")
	ErrUnauthenticated    = errors.New("unauthenticated")
	ErrPermissionDenied   = errors.New("permission denied")
	ErrUnavailable        = errors.New("unavailable")
	// ErrAuthorizationPending is a device login not approved yet: the
	// client polls again after its interval.
	ErrAuthorizationPending = errors.New("authorization pending; poll again after the interval")
)

// FieldViolation names a request field and what is wrong with it. Field is
// a path as clients write it, e.g. "tenant.namespaces[2].name".
type FieldViolation struct {
	Field       string
	Description string
}

// InvalidArgumentError is a request that failed validation.
type InvalidArgumentError struct {
	Violations []FieldViolation
}

// InvalidArgument returns an InvalidArgumentError for one field.
func InvalidArgument(field, description string) error {
	return &InvalidArgumentError{Violations: []FieldViolation{{Field: field, Description: description}}}
}

func (e *InvalidArgumentError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.Field + ": " + v.Description
	}
	return "invalid argument: " + strings.Join(parts, "; ")
}

// QuotaExceededError is a request that would exceed a quota or limit.
type QuotaExceededError struct {
	Subject     string // what the quota applies to, e.g. "tenant:acme"
	Description string // which limit, e.g. "namespaces: 5 of 5 used"
}

func (e *QuotaExceededError) Error() string {
	return fmt.Sprintf("quota exceeded for %s: %s", e.Subject, e.Description)
}

// RateLimitedError is a caller that must slow down: over a rate or, when
// AtOnce is set, over how many calls it may have open at once.
type RateLimitedError struct {
	RetryAfter time.Duration
	// AtOnce names the limit on open calls that was reached, e.g. "50
	// requests" or "16 streams"; empty for a rate.
	AtOnce string
}

func (e *RateLimitedError) Error() string {
	if e.AtOnce != "" {
		return fmt.Sprintf("too many calls at once (at most %s); retry after %s", e.AtOnce, e.RetryAfter)
	}
	return fmt.Sprintf("rate limited; retry after %s", e.RetryAfter)
}
