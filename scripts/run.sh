#!/usr/bin/env bash
# `make run`: the dev cluster and every Landlord service, in the foreground.
# Ctrl-C stops them all. State lives in $STATE_DIR (default .landlord), so
# the next run resumes where this one stopped.
#
# FREE_PORTS=1 puts every listener on a free loopback port (the quick
# start test runs beside a `make run`); the printed commands name them.
set -euo pipefail
cd "$(dirname "$0")/.."
state=${STATE_DIR:-.landlord}
mkdir -p "$state"
free=()
if [ -n "${FREE_PORTS:-}" ]; then
  DEVCLUSTER_FLAGS="${DEVCLUSTER_FLAGS:-} --free-ports"
  free=(--grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0)
fi
pids=()
stopping=
stop() {
  stopping=1
  trap - INT TERM EXIT
  echo "Stopping Landlord..."
  rm -f "$state/endpoints.env"
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done
}
trap stop INT TERM EXIT

# detach CMD...: runs CMD (with exec: $! stays its pid) in a session of its
# own, so that Ctrl-C reaches this script only, which stops the components
# in reverse order: provisioning gives up its leader Lease while the API
# server still runs.
detach() {
  if command -v setsid >/dev/null; then exec setsid "$@"; fi
  exec "$@"
}

# wait_for FILE PATTERN PID: until PATTERN is in FILE, or PID has died.
wait_for() {
  until grep -q "$2" "$1" 2>/dev/null; do
    if ! kill -0 "$3" 2>/dev/null; then echo "failed to start; see $1" >&2; tail -20 "$1" >&2; exit 1; fi
    sleep 0.2
  done
}

# Landlord's APIs serve TLS only, with certificates from the dev PKI's
# Landlord CA; clients (grpcurl, landlordctl) trust it.
ca="$state/devcluster/pki/landlord-ca.crt"

# serving ADDR: the service's gRPC health (public; the same status /readyz
# reports) says SERVING.
serving() {
  go tool grpcurl -connect-timeout 2 -cacert "$ca" "$1" grpc.health.v1.Health/Check 2>/dev/null | grep -q '"SERVING"'
}

# wait_ready FILE PID: until the service logging to FILE is ready (its
# health SERVING), or PID has died.
wait_ready() {
  wait_for "$1" '"msg":"serving"' "$2"
  local addr
  addr=$(sed -n 's/.*"msg":"serving".*"grpc":"\([^"]*\)".*/\1/p' "$1" | tail -1)
  until serving "$addr"; do
    if ! kill -0 "$2" 2>/dev/null; then echo "failed to start; see $1" >&2; tail -20 "$1" >&2; exit 1; fi
    sleep 0.2
  done
}

# The last run's logs move aside before anything starts: a service's
# shell truncates its log only once forked, and until then the waits below
# would read the last run's "serving" lines.
for log in devcluster identity quota provisioning observability gateway; do
  if [ -f "$state/$log.log" ]; then mv "$state/$log.log" "$state/$log.log.prev"; fi
done

echo "Starting the dev cluster (etcd, kube-apiserver, kube-controller-manager)..."
detach bin/landlord-devcluster up --state-dir "$state/devcluster" ${DEVCLUSTER_FLAGS:-} >"$state/devcluster.log" 2>&1 &
pids+=($!)
wait_for "$state/devcluster.log" "Dev cluster is ready" "${pids[-1]}"
grep -v "Press Ctrl-C" "$state/devcluster.log" | sed -n '/Dev cluster is ready/,$p'

echo "Starting identity..."
detach bin/identity --state-dir "$state/identity" --devcluster-env "$state/devcluster/landlord-dev.json" ${free[@]+"${free[@]}"} ${IDENTITY_FLAGS:-} >"$state/identity.log" 2>&1 &
pids+=($!)
wait_for "$state/identity.log" '"msg":"OIDC issuer serving"' "${pids[-1]}"
wait_ready "$state/identity.log" "${pids[-1]}"
grpc=$(sed -n 's/.*"msg":"serving".*"grpc":"\([^"]*\)".*/\1/p' "$state/identity.log" | tail -1)
issuer=$(sed -n 's/.*"msg":"OIDC issuer serving".*"issuer":"\([^"]*\)".*/\1/p' "$state/identity.log" | tail -1)

echo "Starting quota and provisioning..."
detach bin/quota --state-dir "$state/quota" --devcluster-env "$state/devcluster/landlord-dev.json" ${free[@]+"${free[@]}"} ${QUOTA_FLAGS:-} >"$state/quota.log" 2>&1 &
pids+=($!)
# Quota is ready once provisioning has installed the Tenant CRD; provisioning
# needs quota's plans to be ready. Start both, then wait.
wait_for "$state/quota.log" '"msg":"serving"' "${pids[-1]}"
qpid=${pids[-1]}
qgrpc=$(sed -n 's/.*"msg":"serving".*"grpc":"\([^"]*\)".*/\1/p' "$state/quota.log" | tail -1)

detach bin/provisioning --devcluster-env "$state/devcluster/landlord-dev.json" --identity-addr "$grpc" --quota-addr "$qgrpc" ${free[@]+"${free[@]}"} ${PROVISIONING_FLAGS:-} >"$state/provisioning.log" 2>&1 &
pids+=($!)
wait_ready "$state/quota.log" "$qpid"
wait_ready "$state/provisioning.log" "${pids[-1]}"
# Ready means the API serves; with one replica, wait until it also leads.
# It does at once unless an earlier run was killed holding the Lease.
if ! grep -q '"msg":"leading: reconciling tenants"' "$state/provisioning.log"; then
  echo "Provisioning waits for the leader Lease a killed earlier run still holds (about 15 s)..."
  wait_for "$state/provisioning.log" '"msg":"leading: reconciling tenants"' "${pids[-1]}"
fi
pgrpc=$(sed -n 's/.*"msg":"serving".*"grpc":"\([^"]*\)".*/\1/p' "$state/provisioning.log" | tail -1)

# Observability reads Tenants, which provisioning installs: start it last.
echo "Starting observability..."
detach bin/observability --state-dir "$state/observability" --devcluster-env "$state/devcluster/landlord-dev.json" --provisioning-addr "$pgrpc" ${free[@]+"${free[@]}"} ${OBSERVABILITY_FLAGS:-} >"$state/observability.log" 2>&1 &
pids+=($!)
wait_ready "$state/observability.log" "${pids[-1]}"
ogrpc=$(sed -n 's/.*"msg":"serving".*"grpc":"\([^"]*\)".*/\1/p' "$state/observability.log" | tail -1)
ohttp=$(sed -n 's/.*"msg":"serving".*"http":"\([^"]*\)".*/\1/p' "$state/observability.log" | tail -1)

# The gateway: REST/JSON for every service, HTTPS with its dev PKI
# certificate. Ready once /readyz says every service it dials serves.
echo "Starting the gateway..."
detach bin/gateway --devcluster-env "$state/devcluster/landlord-dev.json" --identity-addr "$grpc" --provisioning-addr "$pgrpc" \
  --quota-addr "$qgrpc" --observability-addr "$ogrpc" ${FREE_PORTS:+--addr 127.0.0.1:0 --metrics-addr 127.0.0.1:0} ${GATEWAY_FLAGS:-} >"$state/gateway.log" 2>&1 &
pids+=($!)
wait_for "$state/gateway.log" '"msg":"gateway serving"' "${pids[-1]}"
gurl=$(sed -n 's/.*"msg":"gateway serving".*"url":"\([^"]*\)".*/\1/p' "$state/gateway.log" | tail -1)
gmetrics=$(sed -n 's/.*"msg":"gateway serving".*"metrics":"\([^"]*\)".*/\1/p' "$state/gateway.log" | tail -1)
until curl -sf --cacert "$ca" "$gurl/readyz" >/dev/null; do
  if ! kill -0 "${pids[-1]}" 2>/dev/null; then echo "failed to start; see $state/gateway.log" >&2; tail -20 "$state/gateway.log" >&2; exit 1; fi
  sleep 0.2
done

cat <<TXT

Identity is ready.
  gRPC API:     $grpc   (TLS: go tool grpcurl -cacert $ca $grpc list)
  OIDC issuer:  $issuer   (kube-apiserver trusts its tokens as landlord:<user>)
  CA:           $ca   (Landlord's APIs serve TLS only)
  log in:       user "admin", password in $state/identity/bootstrap-admin
                (AuthService/Login returns a bearer token for the gRPC APIs and for kubectl --token)
  logs:         $state/identity.log, $state/devcluster.log

Quota is ready: plans, and each tenant's budget split among its namespaces.
  gRPC API:     $qgrpc
  plans:        go tool grpcurl -cacert $ca -H "authorization: Bearer \$TOKEN" $qgrpc landlord.quota.v1.PlanService/ListPlans
  a quota:      go tool grpcurl -cacert $ca -H "authorization: Bearer \$TOKEN" -d '{"tenant":"acme"}' \\
                  $qgrpc landlord.quota.v1.TenantQuotaService/GetTenantQuota
  logs:         $state/quota.log

Provisioning is ready: the TenantService API and the Tenant operator.
  gRPC API:     $pgrpc   (send "authorization: Bearer <token>" from Login)
  create:       go tool grpcurl -cacert $ca -H "authorization: Bearer \$TOKEN" \\
                  -d '{"tenant":{"name":"acme","plan":"standard","namespaces":[{"name":"web"}]}}' \\
                  $pgrpc landlord.provisioning.v1.TenantService/CreateTenant
  or kubectl:   KUBECONFIG=$state/devcluster/admin.kubeconfig bin/kubectl apply -f deploy/examples/tenant.yaml
                KUBECONFIG=$state/devcluster/admin.kubeconfig bin/kubectl get tenants
  logs:         $state/provisioning.log

Observability is ready: each tenant's usage now and over time, for its members.
  gRPC API:     $ogrpc
  usage:        go tool grpcurl -cacert $ca -H "authorization: Bearer \$TOKEN" -d '{"tenant":"acme"}' \\
                  $ogrpc landlord.observability.v1.ObservabilityService/GetTenantUsage
  history:      go tool grpcurl -cacert $ca -H "authorization: Bearer \$TOKEN" \\
                  -d '{"tenant":"acme","startTime":"2026-01-01T00:00:00Z","endTime":"2026-01-02T00:00:00Z","step":"3600s"}' \\
                  $ogrpc landlord.observability.v1.ObservabilityService/GetUsageHistory
  metrics:      https://$ohttp/metrics (per-tenant gauges for the top tenants by CPU requests)
  logs:         $state/observability.log

The gateway is ready: every API above as REST/JSON.
  URL:          $gurl   (reference: $gurl/docs; OpenAPI: $gurl/openapi.json; health: /healthz, /readyz)
  log in:       TOKEN=\$(curl -s --cacert $ca $gurl/v1/auth:login \\
                  -d "{\\"username\\":\\"admin\\",\\"password\\":\\"\$(sed -n 's/^password: //p' $state/identity/bootstrap-admin)\\"}" \\
                  | sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
  tenants:      curl -s --cacert $ca -H "Authorization: Bearer \$TOKEN" $gurl/v1/tenants
  metrics:      $gmetrics
  logs:         $state/gateway.log

TXT

# Where everything is, for scripts: `source $state/endpoints.env`.
cat >"$state/endpoints.env" <<ENV
LANDLORD_IDENTITY=$grpc
LANDLORD_PROVISIONING=$pgrpc
LANDLORD_QUOTA=$qgrpc
LANDLORD_OBSERVABILITY=$ogrpc
LANDLORD_GATEWAY=$gurl
LANDLORD_CA=$(realpath "$ca")
LANDLORD_DEVCLUSTER_ENV=$(realpath "$state/devcluster/landlord-dev.json")
LANDLORD_ADMIN_PASSWORD_FILE=$(realpath "$state/identity/bootstrap-admin")
ENV

# landlordctl's defaults are a plain `make run`'s; name what differs.
login_flags=
for f in "identity $grpc 127.0.0.1:7100" "provisioning $pgrpc 127.0.0.1:7200" "quota $qgrpc 127.0.0.1:7300" \
  "observability $ogrpc 127.0.0.1:7400" "ca $ca .landlord/devcluster/pki/landlord-ca.crt" \
  "devcluster-env $state/devcluster/landlord-dev.json .landlord/devcluster/landlord-dev.json"; do
  set -- $f
  [ "$2" = "$3" ] || login_flags+=" --$1 $2"
done

cat <<TXT
Try it: log in as the platform admin, make a tenant you are an editor of, use it with kubectl.
  sed -n 's/^password: //p' $state/identity/bootstrap-admin | bin/landlordctl login -u admin --password-stdin$login_flags
  bin/landlordctl tenants create acme --plan standard --namespace web && bin/landlordctl members set acme admin editor
  bin/landlordctl kubeconfig --tenant acme && bin/kubectl create configmap hello --from-literal=greeting=hi
(endpoints for scripts: source $state/endpoints.env)

Landlord is running. Press Ctrl-C to stop.
TXT
wait -n "${pids[@]}" || true
[ -n "$stopping" ] || echo "A component exited; see the logs in $state." >&2
