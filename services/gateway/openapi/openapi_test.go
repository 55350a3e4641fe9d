package openapi_test

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	// Every service whose REST routes the gateway serves.
	_ "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	_ "github.com/landlord-dev/landlord/gen/go/landlord/meta/v1"
	_ "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	_ "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	_ "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/gateway/openapi"
)

type document struct {
	OpenAPI, Swagger string
	Info             struct{ Title, Description, Version string }
	Paths            map[string]map[string]json.RawMessage
}

func parse(t *testing.T, data []byte) document {
	t.Helper()
	var doc document
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// routes are the method and path template of every google.api.http rule
// of Landlord's services (the test-only ones aside), variables as {name}.
func routes(t *testing.T) map[[2]string]bool {
	t.Helper()
	variable := regexp.MustCompile(`\{([^}=]+)(=[^}]*)?\}`)
	out := map[[2]string]bool{}
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(fd.Package()), "landlord.") || strings.HasPrefix(string(fd.Package()), "landlord.testing.") {
			return true
		}
		for i := range fd.Services().Len() {
			ms := fd.Services().Get(i).Methods()
			for j := range ms.Len() {
				rule, _ := proto.GetExtension(ms.Get(j).Options(), annotations.E_Http).(*annotations.HttpRule)
				for _, r := range append([]*annotations.HttpRule{rule}, rule.GetAdditionalBindings()...) {
					for method, path := range map[string]string{http.MethodGet: r.GetGet(), http.MethodPost: r.GetPost(),
						http.MethodPut: r.GetPut(), http.MethodPatch: r.GetPatch(), http.MethodDelete: r.GetDelete()} {
						if path != "" {
							out[[2]string{strings.ToLower(method), variable.ReplaceAllString(path, "{$1}")}] = true
						}
					}
				}
			}
		}
		return true
	})
	if len(out) < 50 {
		t.Fatalf("only %d REST routes found in the protos", len(out))
	}
	return out
}

func TestTheDocumentsHaveTheirTitleAndEveryRESTRoute(t *testing.T) {
	want := routes(t)
	for name, data := range map[string][]byte{"v3": openapi.V3JSON, "v2": openapi.V2JSON} {
		doc := parse(t, data)
		if doc.Info.Title != "Landlord API" || doc.Info.Version != "v1" || !strings.Contains(doc.Info.Description, "Bearer") {
			t.Errorf("%s: info %+v: buf.gen.yaml (v3) and buf.openapi.yaml (v2) give the title, version and description", name, doc.Info)
		}
		got := 0
		for _, item := range doc.Paths {
			for method := range item {
				if method != "parameters" {
					got++
				}
			}
		}
		for route := range want {
			if _, ok := doc.Paths[route[1]][route[0]]; !ok {
				t.Errorf("%s: no %s %s", name, route[0], route[1])
			}
		}
		if got != len(want) {
			t.Errorf("%s: %d operations, the protos have %d REST routes", name, got, len(want))
		}
	}
	if v3 := parse(t, openapi.V3JSON); !strings.HasPrefix(v3.OpenAPI, "3.") {
		t.Errorf("/openapi.json is OpenAPI %q, want 3", v3.OpenAPI)
	}
	if v2 := parse(t, openapi.V2JSON); v2.Swagger != "2.0" {
		t.Errorf("/openapi/v2.json is swagger %q, want 2.0", v2.Swagger)
	}
}

// The reference page renders every operation of the OpenAPI 3 document:
// its inline script is run by node against a minimal DOM.
func TestTheDocsPageRendersEveryOperation(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node to run the page's script")
	}
	html := string(openapi.DocsHTML)
	if strings.Contains(html, "<script src") || strings.Contains(html, "http://") || strings.Contains(html, "https://") {
		t.Error("the page loads something from elsewhere")
	}
	script := html[strings.Index(html, "<script>")+len("<script>") : strings.Index(html, "</script>")]
	dir := t.TempDir()
	doc := filepath.Join(dir, "openapi.json")
	if err := os.WriteFile(doc, openapi.V3JSON, 0o600); err != nil {
		t.Fatal(err)
	}
	harness := `
const fs = require("fs");
const made = [];
const el = (tag) => { const e = { tag, children: [], textContent: "", className: "",
  append(...c) { this.children.push(...c); }, appendChild(c) { this.children.push(c); } }; made.push(e); return e; };
const byId = { title: el("h1"), description: el("p"), ops: el("div") };
globalThis.document = { getElementById: (id) => byId[id], createElement: el };
let fetched = "";
globalThis.fetch = (url) => { fetched = url; return Promise.resolve({ json: () => Promise.resolve(JSON.parse(fs.readFileSync(` + strconv.Quote(doc) + `))) }); };
` + script + `
setTimeout(() => {
  const ops = made.filter(e => e.tag === "div" && e.className.startsWith("op "));
  const bodies = made.filter(e => e.tag === "td" && e.textContent === "body");
  console.log(JSON.stringify({ fetched, title: byId.title.textContent, ops: ops.length, bodies: bodies.length, error: byId.ops.textContent }));
}, 200);
`
	out, err := exec.Command(node, "-e", harness).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var got struct {
		Fetched, Title, Error string
		Ops, Bodies           int
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("node said %s: %v", out, err)
	}
	if got.Fetched != "/openapi.json" || got.Title != "Landlord API v1" || got.Error != "" {
		t.Errorf("page: %+v", got)
	}
	if want := len(routes(t)); got.Ops != want || got.Bodies == 0 {
		t.Errorf("page rendered %d operations (%d with a body), want %d", got.Ops, got.Bodies, want)
	}
}
