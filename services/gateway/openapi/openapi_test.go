package openapi_test

import (
	"encoding/json"
	"testing"

	"github.com/landlord-dev/landlord/services/gateway/openapi"
)

func TestTheDocumentHasItsTitleAndEveryService(t *testing.T) {
	var doc struct {
		Info  struct{ Title string }
		Paths map[string]json.RawMessage
	}
	if err := json.Unmarshal(openapi.JSON, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Info.Title != "Landlord API" {
		t.Errorf("title %q: buf.openapi.yaml gives every file the same info", doc.Info.Title)
	}
	for _, path := range []string{"/v1/auth:login", "/v1/tenants", "/v1/plans", "/v1/tenants/{tenant}/usage"} {
		if _, ok := doc.Paths[path]; !ok {
			t.Errorf("no path %s", path)
		}
	}
}
