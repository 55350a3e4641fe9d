package plans

import (
	_ "embed"
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"
	"sigs.k8s.io/yaml"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
)

//go:embed defaults.yaml
var defaultsYAML []byte

// Defaults are the plans a new quota file is seeded with: free, standard,
// enterprise and isolated.
func Defaults() ([]*quotav1.Plan, error) { return parse(defaultsYAML) }

// parse reads a plans file and validates every plan.
func parse(yamlData []byte) ([]*quotav1.Plan, error) {
	// YAML for people, protojson for the schema: the file has the shape of
	// a ListPlansResponse, so an unknown or misspelt field is an error
	// rather than a silently missing limit.
	data, err := yaml.YAMLToJSON(yamlData)
	if err != nil {
		return nil, fmt.Errorf("default plans: %w", err)
	}
	var file quotav1.ListPlansResponse
	if err := protojson.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("default plans: %w", err)
	}
	seen := map[string]bool{}
	for _, p := range file.GetPlans() {
		if seen[p.GetName()] {
			return nil, fmt.Errorf("default plans: duplicate %q", p.GetName())
		}
		seen[p.GetName()] = true
		if err := Validate(p); err != nil {
			return nil, fmt.Errorf("default plan %q: %w", p.GetName(), err)
		}
	}
	return file.GetPlans(), nil
}
