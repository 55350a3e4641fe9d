package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryCommandHasAnExample: --help teaches by example.
func TestEveryCommandHasAnExample(t *testing.T) {
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		builtin := strings.Contains(c.CommandPath(), " help") || strings.Contains(c.CommandPath(), " completion")
		if c.Example == "" && !builtin {
			t.Errorf("%q has no Example", c.CommandPath())
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(New(nil, &bytes.Buffer{}, &bytes.Buffer{}))
}

func TestCompletion(t *testing.T) {
	var out bytes.Buffer
	root := New(nil, &out, &out)
	root.SetArgs([]string{"completion", "bash"})
	if err := root.Execute(); err != nil || !strings.Contains(out.String(), "landlordctl") {
		t.Errorf("completion bash: %v", err)
	}
}

func TestUnknownOutputFormat(t *testing.T) {
	var out bytes.Buffer
	root := New(nil, &out, &out)
	root.SetArgs([]string{"--config-dir", t.TempDir(), "plans", "list", "-o", "xml"})
	if err := root.Execute(); err == nil || !strings.Contains(err.Error(), "xml") {
		t.Errorf("-o xml: %v", err)
	}
}

func TestNotLoggedIn(t *testing.T) {
	var out bytes.Buffer
	root := New(nil, &out, &out)
	root.SetArgs([]string{"--config-dir", t.TempDir(), "token"})
	if err := root.Execute(); err == nil || !strings.Contains(err.Error(), "login") {
		t.Errorf("token without login: %v", err)
	}
}

func TestParseRole(t *testing.T) {
	if r, err := parseRole("Editor"); err != nil || r.String() != "ROLE_EDITOR" {
		t.Errorf("editor = %v, %v", r, err)
	}
	if _, err := parseRole("unspecified"); err == nil {
		t.Error("unspecified accepted")
	}
	if subject("ann") != "user:ann" || subject("group:sre") != "group:sre" {
		t.Error("subject")
	}
}
