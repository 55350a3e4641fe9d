package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	// The generated packages register Landlord's protos in
	// protoregistry.GlobalFiles.
	_ "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	_ "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	_ "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	_ "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
)

// scenarioDir is bench/ghz at the repository's root.
var scenarioDir = filepath.Join("..", "..", "..", "bench", "ghz")

// hotRPCs must each have a scenario.
var hotRPCs = []string{
	"landlord.identity.v1.AuthService.Login",
	"landlord.identity.v1.AuthService.WhoAmI",
	"landlord.identity.v1.AuthorizationService.Check",
	"landlord.provisioning.v1.TenantService.GetTenant",
	"landlord.provisioning.v1.TenantService.ListTenants",
	"landlord.quota.v1.TenantQuotaService.GetTenantQuota",
	"landlord.quota.v1.TenantQuotaService.GetTenantRateLimit",
	"landlord.observability.v1.ObservabilityService.GetTenantUsage",
}

// TestGhzScenarios checks every ghz scenario file against the generated
// protos, so that a file rots loudly when an RPC or a field is renamed:
// its call names an existing method, its request data is that method's
// request in protojson, its service tag is the service serving it, and it
// holds no credential.
func TestGhzScenarios(t *testing.T) {
	scenarios, err := loadScenarios(scenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, sc := range scenarios {
		t.Run(filepath.Base(sc.Path), func(t *testing.T) {
			service, method := sc.method()
			d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(service))
			if err != nil {
				t.Fatalf("call %q: no service %s in Landlord's protos: %v", sc.Call, service, err)
			}
			sd, ok := d.(protoreflect.ServiceDescriptor)
			if !ok {
				t.Fatalf("call %q: %s is a %T, not a service", sc.Call, service, d)
			}
			md := sd.Methods().ByName(protoreflect.Name(method))
			if md == nil {
				t.Fatalf("call %q: service %s has no method %s", sc.Call, service, method)
			}
			covered[string(md.FullName())] = true
			if md.IsStreamingClient() || md.IsStreamingServer() {
				t.Errorf("call %q is a stream; the scenarios are unary", sc.Call)
			}
			mt, err := protoregistry.GlobalTypes.FindMessageByName(md.Input().FullName())
			if err != nil {
				t.Fatal(err)
			}
			if len(sc.Data) == 0 {
				t.Fatalf("no data: ghz would send an empty %s only if told so; say {}", md.Input().FullName())
			}
			if err := protojson.Unmarshal(sc.Data, mt.New().Interface()); err != nil {
				t.Errorf("data is not a %s: %v", md.Input().FullName(), err)
			}
			// ghz executes data and metadata as templates on their JSON
			// text, compacted: a template must parse there (a quoted
			// string literal would arrive as \"...\" and not).
			for what, raw := range map[string]json.RawMessage{"data": sc.Data, "metadata": sc.Metadata} {
				var compact bytes.Buffer
				if len(raw) > 0 {
					if err := json.Compact(&compact, raw); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := template.New(what).Funcs(ghzFuncs).Parse(compact.String()); err != nil {
					t.Errorf("%s is no template ghz can execute (use `raw strings` inside {{ }}): %v", what, err)
				}
			}
			if want := "landlord." + sc.Tags["service"] + ".v1"; string(sd.ParentFile().Package()) != want {
				t.Errorf("tags.service %q, but %s is in package %s", sc.Tags["service"], service, sd.ParentFile().Package())
			}
			if sc.Total == 0 || sc.Concurrency == 0 {
				t.Errorf("total %d, concurrency %d: a scenario bounds its own count", sc.Total, sc.Concurrency)
			}
			raw, err := os.ReadFile(sc.Path)
			if err != nil {
				t.Fatal(err)
			}
			// No JWT (base64 of `{"`), no literal password.
			if strings.Contains(string(raw), "eyJ") {
				t.Error("holds what looks like a token; take it from {{env `LANDLORD_TOKEN`}}")
			}
			// ghz v0.120.0 turns max-duration (and duration) into a
			// run of that length whatever total says.
			for _, k := range []string{"max-duration", "duration"} {
				if strings.Contains(string(raw), `"`+k+`":`) {
					t.Errorf("sets %q: ghz then ignores total; bound the run by total", k)
				}
			}
			for _, k := range []string{"host", "cacert", "cert", "key"} {
				if strings.Contains(string(raw), `"`+k+`":`) {
					t.Errorf("sets %q: give it on ghz's command line, it differs between stacks", k)
				}
			}
		})
	}
	for _, rpc := range hotRPCs {
		if !covered[rpc] {
			t.Errorf("no scenario calls %s", rpc)
		}
	}
}

// ghzFuncs are the template functions the scenarios may use (of the
// sprig functions ghz offers): only their names matter for parsing.
var ghzFuncs = template.FuncMap{"env": os.Getenv, "default": func(d, v any) any { return v }}

// TestScenarioMethod pins how calls are split.
func TestScenarioMethod(t *testing.T) {
	for call, want := range map[string][2]string{
		"landlord.quota.v1.PlanService.GetPlan": {"landlord.quota.v1.PlanService", "GetPlan"},
		"landlord.quota.v1.PlanService/GetPlan": {"landlord.quota.v1.PlanService", "GetPlan"},
		"GetPlan":                               {"", "GetPlan"},
	} {
		s, m := scenario{Call: call}.method()
		if s != want[0] || m != want[1] {
			t.Errorf("%q: %q %q, want %q", call, s, m, want)
		}
	}
}
