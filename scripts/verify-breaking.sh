#!/usr/bin/env bash
# buf breaking (WIRE_JSON) of proto/ against the protos on main. The
# comparison tree is main's proto/ and buf.yaml next to the third-party
# protos this checkout copied, since those are not committed.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${BREAKING_AGAINST:-main}
if ! git rev-parse --verify -q "$base" >/dev/null || [ -z "$(git ls-tree -r "$base" --name-only -- proto)" ]; then
  echo "verify-breaking: no protos on $base yet; nothing to compare"
  exit 0
fi
against=.build/breaking-against
rm -rf "$against"
mkdir -p "$against/.build"
git archive "$base" proto buf.yaml | tar -x -C "$against"
cp -r .build/protodeps "$against/.build/"
go tool buf breaking --against "$against"
echo "verify-breaking: proto/ is wire- and JSON-compatible with $base"
