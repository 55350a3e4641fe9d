package requestid_test

import (
	"strings"
	"testing"

	"github.com/landlord-dev/landlord/services/internal/requestid"
)

func TestSanitize(t *testing.T) {
	for id, want := range map[string]string{
		"abc-123":                "abc-123",
		"":                       "",
		"has space":              "",
		"new\nline":              "",
		"ünïcode":                "",
		strings.Repeat("a", 128): strings.Repeat("a", 128),
		strings.Repeat("a", 129): "",
	} {
		if got := requestid.Sanitize(id); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", id, got, want)
		}
	}
	if a, b := requestid.New(), requestid.New(); a == b || requestid.Sanitize(a) != a {
		t.Errorf("New gave %q and %q", a, b)
	}
}
