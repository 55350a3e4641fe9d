#!/usr/bin/env bash
# `make run`: the dev cluster and every Landlord service, in the foreground.
# Ctrl-C stops them all. State lives in $STATE_DIR (default .landlord), so
# the next run resumes where this one stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
state=${STATE_DIR:-.landlord}
mkdir -p "$state"
pids=()
stopping=
stop() {
  stopping=1
  trap - INT TERM EXIT
  echo "Stopping Landlord..."
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done
}
trap stop INT TERM EXIT

# wait_for FILE PATTERN PID: until PATTERN is in FILE, or PID has died.
wait_for() {
  until grep -q "$2" "$1" 2>/dev/null; do
    if ! kill -0 "$3" 2>/dev/null; then echo "failed to start; see $1" >&2; tail -20 "$1" >&2; exit 1; fi
    sleep 0.2
  done
}

bin/landlord-devcluster up --state-dir "$state/devcluster" ${DEVCLUSTER_FLAGS:-} >"$state/devcluster.log" 2>&1 &
pids+=($!)
wait_for "$state/devcluster.log" "Dev cluster is ready" "${pids[-1]}"
grep -v "Press Ctrl-C" "$state/devcluster.log" | sed -n '/Dev cluster is ready/,$p'

bin/identity --state-dir "$state/identity" --devcluster-env "$state/devcluster/landlord-dev.json" ${IDENTITY_FLAGS:-} >"$state/identity.log" 2>&1 &
pids+=($!)
wait_for "$state/identity.log" '"msg":"OIDC issuer serving"' "${pids[-1]}"
grpc=$(sed -n 's/.*"msg":"serving".*"grpc":"\([^"]*\)".*/\1/p' "$state/identity.log" | tail -1)
issuer=$(sed -n 's/.*"msg":"OIDC issuer serving".*"issuer":"\([^"]*\)".*/\1/p' "$state/identity.log" | tail -1)

bin/provisioning --devcluster-env "$state/devcluster/landlord-dev.json" ${PROVISIONING_FLAGS:-} >"$state/provisioning.log" 2>&1 &
pids+=($!)
wait_for "$state/provisioning.log" '"msg":"tenant operator started"' "${pids[-1]}"
wait_for "$state/provisioning.log" '"msg":"serving"' "${pids[-1]}"
pgrpc=$(sed -n 's/.*"msg":"serving".*"grpc":"\([^"]*\)".*/\1/p' "$state/provisioning.log" | tail -1)

cat <<TXT

Identity is ready.
  gRPC API:     $grpc   (reflection on: go tool grpcurl -plaintext $grpc list)
  OIDC issuer:  $issuer   (kube-apiserver trusts its tokens as landlord:<user>)
  log in:       user "admin", password in $state/identity/bootstrap-admin
                (AuthService/Login returns a bearer token for the gRPC APIs and for kubectl --token)
  logs:         $state/identity.log, $state/devcluster.log

Provisioning is ready: the TenantService API and the Tenant operator.
  gRPC API:     $pgrpc   (send "authorization: Bearer <token>" from Login)
  create:       go tool grpcurl -plaintext -H "authorization: Bearer \$TOKEN" \\
                  -d '{"tenant":{"name":"acme","plan":"standard","namespaces":[{"name":"web"}]}}' \\
                  $pgrpc landlord.provisioning.v1.TenantService/CreateTenant
  or kubectl:   KUBECONFIG=$state/devcluster/admin.kubeconfig bin/kubectl apply -f deploy/examples/tenant.yaml
                KUBECONFIG=$state/devcluster/admin.kubeconfig bin/kubectl get tenants
  logs:         $state/provisioning.log

Landlord is running. Press Ctrl-C to stop.
TXT
wait -n "${pids[@]}" || true
[ -n "$stopping" ] || echo "A component exited; see the logs in $state." >&2
