// Package openapi holds the merged OpenAPI (v2) document of Landlord's REST
// API, embedded in the gateway.
//
// landlord.swagger.json is a copy of gen/openapi/landlord.swagger.json that
// `make generate` refreshes (and `make verify` checks): go:embed cannot
// reach into another module (gen), and buf's `clean: true` would delete a
// Go file placed in gen/openapi.
package openapi

import _ "embed"

// DocsHTML is a browsable API reference page, built in the browser from
// the document at /openapi.json.
//
//go:embed docs.html
var DocsHTML []byte

// JSON is the document.
//
//go:embed landlord.swagger.json
var JSON []byte
