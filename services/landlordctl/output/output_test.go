package output

import (
	"bytes"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"
)

func TestPrint(t *testing.T) {
	msg, _ := structpb.NewStruct(map[string]any{"name": "acme", "namespaces": 2})
	tbl := func() Table {
		return Table{Header: []string{"NAME", "PLAN", "NAMESPACES"}, Rows: [][]string{{"acme", "", "2"}, {"globex-long", "gold", "10"}}}
	}
	for _, c := range []struct{ format, want string }{
		{"table", "NAME          PLAN   NAMESPACES\nacme          -      2\nglobex-long   gold   10\n"},
		{"json", "{\n  \"name\": \"acme\",\n  \"namespaces\": 2\n}\n"},
		{"yaml", "name: acme\nnamespaces: 2\n"},
	} {
		var b bytes.Buffer
		if err := Print(&b, c.format, msg, tbl); err != nil {
			t.Fatal(err)
		}
		// protojson randomizes spaces after colons; compare without them.
		if got := strings.ReplaceAll(b.String(), ":  ", ": "); got != c.want {
			t.Errorf("%s:\n%q\nwant\n%q", c.format, got, c.want)
		}
	}
	if err := Print(&bytes.Buffer{}, "xml", msg, tbl); err == nil || Validate("xml") == nil || Validate("yaml") != nil {
		t.Error("xml accepted")
	}
}
