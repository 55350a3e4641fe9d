#!/usr/bin/env bash
# The shared runtime knows no service (DESIGN.md, Shape rules): no package
# under services/internal, nor its tests, may depend, directly or through
# other packages, on a service's packages (services/<service>/..., every
# folder of services/ but internal and cmd). Prints each import that
# crosses the line and fails if there is one.
set -euo pipefail
cd "$(dirname "$0")/../services"
module=$(awk '$1 == "module" {print $2; exit}' go.mod)
services=$(find . -mindepth 1 -maxdepth 1 -type d ! -name internal ! -name cmd ! -name '.*' -printf '%f\n' | sort | paste -sd '|')
[ -n "$services" ] || { echo "verify-imports: no services under services/"; exit 0; }
service_pkg="^${module//./\\.}/($services)(/|\$)"
# Every package the runtime's packages and their tests depend on, each with
# its own imports (a test variant's " [x.test]" is a field of its own); an
# import from a package outside the services into one inside is where the
# runtime reaches a service.
crossings=$(go list -deps -test -f '{{.ImportPath}}{{range .Imports}} {{.}}{{end}}' ./internal/... |
  awk -v svc="$service_pkg" '$1 !~ svc {
    who = $1; if ($2 ~ /^\[/) who = who " (its tests)"
    for (i = 2; i <= NF; i++) if ($i ~ svc) print "  " who " imports " $i
  }' |
  sort -u)
if [ -n "$crossings" ]; then
  echo "verify-imports: services/internal (the shared runtime) must not depend on a service's packages:"
  echo "$crossings"
  echo "move the service-specific code beside its service (services/<service>/...), keep only what every service can use in services/internal"
  exit 1
fi
echo "verify-imports: services/internal depends on no service ($services)"
