package deploytest

import (
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestArgsAreFlags runs every service binary with --help and checks that
// each flag the manifests pass appears there: a typo, or a flag since
// renamed, would make the pod crash-loop. `go run` caches the binaries
// it links (Go 1.24+), so only the first run after a change links them.
func TestArgsAreFlags(t *testing.T) {
	r := render(t)
	dir := filepath.Join(repoRoot(t), "services")
	helps := map[string]string{}
	for _, s := range services {
		run := exec.Command("go", "run", "./cmd/"+s, "--help")
		run.Dir = dir
		out, err := run.CombinedOutput()
		if err != nil {
			t.Fatalf("go run ./cmd/%s --help: %v\n%s", s, err, out)
		}
		helps[s] = string(out)
	}
	envRef := regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)
	flag := regexp.MustCompile(`^--([a-z0-9-]+)(=|$)`)
	for _, w := range r.workloads() {
		for _, c := range w.containers() {
			if len(c.Command) != 1 {
				t.Errorf("%s, container %s: command %v: want the service binary alone", w, c.Name, c.Command)
				continue
			}
			name := path.Base(c.Command[0])
			help, ok := helps[name]
			if !ok {
				t.Errorf("%s, container %s: command %s is not a Landlord service (%v)", w, c.Name, c.Command[0], services)
				continue
			}
			if !strings.HasSuffix(c.Image, "/"+name) && !strings.Contains(c.Image, "/"+name+":") {
				t.Errorf("%s, container %s: image %s does not hold %s", w, c.Name, c.Image, name)
			}
			var seen []string
			for _, a := range c.Args {
				m := flag.FindStringSubmatch(a)
				if m == nil {
					t.Errorf("%s, container %s: arg %q is not --flag=value", w, c.Name, a)
					continue
				}
				if !regexp.MustCompile(`(?m)^\s+(-\w, )?--` + regexp.QuoteMeta(m[1]) + `\b`).MatchString(help) {
					t.Errorf("%s, container %s: %s has no flag --%s", w, c.Name, name, m[1])
				}
				if slices.Contains(seen, m[1]) {
					t.Errorf("%s, container %s: --%s given twice", w, c.Name, m[1])
				}
				seen = append(seen, m[1])
				// Kubernetes expands $(VAR) from the container's env and
				// leaves an unknown one as it is.
				for _, ref := range envRef.FindAllStringSubmatch(a, -1) {
					if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == ref[1] }) {
						t.Errorf("%s, container %s: %s refers to $(%s), which its env does not set", w, c.Name, a, ref[1])
					}
				}
			}
		}
	}
}
