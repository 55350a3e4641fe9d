#!/usr/bin/env bash
# Validates deploy/base against a real API server: renders it with kubectl
# kustomize and applies the render with --dry-run=server, so the API server
# itself checks every object (schemas, unknown fields: --validate=strict,
# defaulting, admission). Pod Security Admission's warnings for the
# namespace's restricted profile fail it too.
#
# Run inside `landlord-devcluster exec` (make verify-deploy), which sets
# KUBECONFIG to a throwaway cluster. Dry-run of a namespaced object needs
# its namespace to exist, so the Namespace is created for real first, with
# its Pod Security labels; nothing else is.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KUBECONFIG:?run me inside landlord-devcluster exec (make verify-deploy)}"
kubectl=${KUBECTL:-bin/kubectl}
base=${1:-deploy/base}

render=$(mktemp)
out=$(mktemp)
trap 'rm -f "$render" "$out"' EXIT
"$kubectl" kustomize "$base" >"$render"

# The render's Namespace objects (landlord-system), created for real with
# their labels, so that the dry run below admits into them.
"$kubectl" apply -f <(awk 'BEGIN{RS="\n---\n"} /(^|\n)kind: Namespace\n/ {print; print "---"}' "$render") >/dev/null

if ! "$kubectl" apply --dry-run=server --validate=strict -f "$render" >"$out" 2>&1; then
  cat "$out"
  echo "verify-deploy: the API server rejects $base (above)"
  exit 1
fi
if grep -i '^warning' "$out"; then
  echo "verify-deploy: the API server warns about $base (above): fix what it says"
  exit 1
fi
echo "verify-deploy: $(grep -c . "$out") objects of $base pass server-side dry-run"
