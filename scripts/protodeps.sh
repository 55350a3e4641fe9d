#!/usr/bin/env bash
# Copies the proto files Landlord imports out of the Go module cache into
# .build/protodeps, because the Buf Schema Registry cannot be reached from
# here. Only the Go module proxy is used.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.build/protodeps
moddir() { GOFLAGS=-mod=mod go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'; }

validate=$(moddir github.com/bufbuild/protovalidate@v1.2.2)
googleapis=$(moddir github.com/grpc-ecosystem/grpc-gateway@v1.16.0)

rm -rf "$out"
mkdir -p "$out/buf/validate" "$out/google/api"
cp "$validate/proto/protovalidate/buf/validate/validate.proto" "$out/buf/validate/"
cp "$googleapis/third_party/googleapis/google/api/annotations.proto" \
   "$googleapis/third_party/googleapis/google/api/http.proto" "$out/google/api/"
chmod -R u+w "$out"
