// Package openapi holds the merged OpenAPI documents of Landlord's REST
// API, embedded in the gateway: OpenAPI 3 (gnostic's protoc-gen-openapi),
// served at /openapi.json, and the older OpenAPI 2 (grpc-gateway's
// protoc-gen-openapiv2), served at /openapi/v2.json for tools that read
// only that.
//
// landlord.openapi.yaml and landlord.swagger.json are copies of
// gen/openapi/v3/openapi.yaml and gen/openapi/landlord.swagger.json that
// `make generate` refreshes (and `make verify` checks): go:embed cannot
// reach into another module (gen), and buf's `clean: true` would delete a
// Go file placed in gen/openapi.
package openapi

import (
	_ "embed"
	"fmt"

	"sigs.k8s.io/yaml"
)

// DocsHTML is a browsable API reference page, built in the browser from
// the document at /openapi.json.
//
//go:embed docs.html
var DocsHTML []byte

//go:embed landlord.openapi.yaml
var v3YAML []byte

// V3JSON is the OpenAPI 3 document, as JSON: the generator writes YAML.
var V3JSON = mustJSON(v3YAML)

// V2JSON is the OpenAPI 2 document.
//
//go:embed landlord.swagger.json
var V2JSON []byte

// mustJSON converts the generated document once, at start: it is
// generated and tested, so a failure is a broken build, not a runtime
// condition.
func mustJSON(y []byte) []byte {
	j, err := yaml.YAMLToJSON(y)
	if err != nil {
		panic(fmt.Sprintf("openapi: the embedded OpenAPI 3 document is not YAML: %v", err))
	}
	return j
}
