# Landlord's build. `make help` lists the targets. Needs only Go; every other
# tool is a Go module pinned in scripts/tools/go.mod or deploy/devcluster/go.mod.

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

BIN := $(CURDIR)/bin
# The state of `make run`; tests and benchmarks use their own.
STATE_DIR ?= .landlord
TEST_STATE_DIR := $(CURDIR)/.build/test-cluster
BENCH_STATE_DIR := $(CURDIR)/.build/bench-cluster
VERIFY_STATE_DIR := $(CURDIR)/.build/verify-cluster

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || true)
BUILD_TIME ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
BUILDINFO := github.com/landlord-dev/landlord/services/internal/buildinfo
LDFLAGS := -X $(BUILDINFO).Version=$(VERSION) -X $(BUILDINFO).Commit=$(COMMIT) -X $(BUILDINFO).BuildTime=$(BUILD_TIME)

# The dev cluster module is huge: build it on its own (GOWORK=off), so its
# dependency versions are exactly its go.mod's and the build cache stays warm.
DEVCLUSTER := cd deploy/devcluster && GOWORK=off
DEVCLUSTER_SRC := $(shell find deploy/devcluster -name '*.go') deploy/devcluster/go.mod deploy/devcluster/go.sum
SERVICES_SRC := $(shell find services gen -name '*.go') services/go.mod services/go.sum
GO_MODULES := gen services scripts/tools

##@ General

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z0-9_-]+:.*##/ { printf "  \033[36m%-24s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

.PHONY: run
run: build ## Run Landlord: the dev cluster and every service, printing where to connect
	STATE_DIR=$(STATE_DIR) scripts/run.sh

.PHONY: clean
clean: ## Remove binaries, build state and the dev cluster's state
	rm -rf $(BIN) .build .landlord

##@ Build

.PHONY: build
build: $(BIN)/landlord-devcluster $(BIN)/kubectl $(BIN)/identity $(BIN)/quota $(BIN)/provisioning $(BIN)/observability $(BIN)/gateway $(BIN)/landlord-bench $(BIN)/landlordctl ## Build every binary into bin/

$(BIN)/landlord-devcluster: $(DEVCLUSTER_SRC)
	@echo "Building $(notdir $@) (etcd, kube-apiserver, kube-controller-manager from source: the first build takes minutes)..."
	@$(DEVCLUSTER) go build -o $@ ./cmd/landlord-devcluster

# kubectl from the same Kubernetes module as the API server: one version.
$(BIN)/kubectl: deploy/devcluster/go.mod deploy/devcluster/go.sum
	@echo "Building $(notdir $@)..."
	@$(DEVCLUSTER) go build -o $@ k8s.io/kubernetes/cmd/kubectl

$(BIN)/identity $(BIN)/quota $(BIN)/provisioning $(BIN)/observability $(BIN)/gateway $(BIN)/landlord-bench $(BIN)/landlordctl: $(SERVICES_SRC)
	@echo "Building $(notdir $@)..."
	@cd services && go build -ldflags '$(LDFLAGS)' -o $@ ./cmd/$(notdir $@)

# The gateway embeds the OpenAPI document and its reference page too.
$(BIN)/gateway: services/gateway/openapi/landlord.swagger.json services/gateway/openapi/landlord.openapi.yaml services/gateway/openapi/docs.html

##@ Test

.PHONY: test
test: $(BIN)/landlord-devcluster $(BIN)/kubectl ## Run unit and integration tests against a fresh dev cluster (landlordctl's drive bin/kubectl)
	rm -rf $(TEST_STATE_DIR)
	$(BIN)/landlord-devcluster exec --state-dir $(TEST_STATE_DIR) --free-ports -- $(MAKE) test-go
	rm -rf $(TEST_STATE_DIR)

# Unit packages are those whose tests do not start or use the dev cluster
# (they do not import devclustertest): pure logic, real bbolt files, real
# gRPC over loopback.
UNIT_PACKAGES = $(shell cd services && go list -f '{{.ImportPath}}{{range .TestImports}} {{.}}{{end}}{{range .XTestImports}} {{.}}{{end}}' ./... | grep -v /devclustertest | awk 'NF > 1 {print $$1}')

.PHONY: test-unit
test-unit: $(BIN)/kubectl ## Run the unit tests only: no cluster needed, under a minute with a warm build cache (deploytest renders deploy/base with bin/kubectl)
	cd services && go test -count=1 $(UNIT_PACKAGES)

.PHONY: test-go
# -p 1: packages share the dev cluster, and two packages' Tenant operators
# reconciling the same tenants at once would make each other's tests lie.
# The test binaries are compiled in parallel first (-p also bounds builds);
# a failure there is reported by the real run.
test-go: ## Run the Go tests (against LANDLORD_KUBECONFIG, or a cluster each package starts)
	cd services && go test -race -count=1 -run '^$$' ./... >/dev/null 2>&1 || true
	cd services && go test -race -count=1 -p 1 ./...
	$(DEVCLUSTER) go test -count=1 ./...

##@ Benchmarks (not part of test: timings on shared machines are noisy)

# Every bench-* target appends what it prints (stdout and stderr, the
# go test -bench output too) to one report, under a header naming the
# target, the date and the machine's load; `make bench` starts it afresh.
BENCH_REPORT ?= $(CURDIR)/.build/bench-report.txt
# Absolute: some recipes tee from services/.
override BENCH_REPORT := $(abspath $(BENCH_REPORT))
BENCHES := bench-apiserver bench-devcluster-start bench-identity bench-provisioning bench-quota bench-apf bench-observability bench-gateway bench-ghz
# $(BENCH_HEADER) is a target's first recipe line; $(TEE) ends each line whose output is a result.
BENCH_HEADER = @mkdir -p $(dir $(BENCH_REPORT)) && printf '\n=== make %s   %s   %s cores, load average %s\n' '$@' "$$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$$(nproc)" "$$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $(BENCH_REPORT)
TEE = 2>&1 | tee -a $(BENCH_REPORT)

.PHONY: bench
bench: ## Run every benchmark, one after another; results in one report (BENCH_REPORT, default .build/bench-report.txt)
	mkdir -p $(dir $(BENCH_REPORT)) && : > $(BENCH_REPORT)
	$(MAKE) $(BENCHES) || { echo "A benchmark failed; the report so far: $(BENCH_REPORT)" >&2; exit 1; }
	@echo "Benchmark report: $(BENCH_REPORT)"

.PHONY: bench-apiserver
bench-apiserver: $(BIN)/landlord-devcluster $(BIN)/landlord-bench ## Raw client-go create throughput: the physical limit
	$(BENCH_HEADER)
	rm -rf $(BENCH_STATE_DIR)
	$(BIN)/landlord-devcluster exec --state-dir $(BENCH_STATE_DIR) --free-ports -- $(BIN)/landlord-bench apiserver $(TEE)
	rm -rf $(BENCH_STATE_DIR)

.PHONY: bench-identity
bench-identity: $(BIN)/landlord-devcluster $(BIN)/identity $(BIN)/landlord-bench ## Token verification vs a no-op RPC, and logins/s (ghz)
	$(BENCH_HEADER)
	rm -rf $(BENCH_STATE_DIR)
	$(BIN)/landlord-devcluster exec --state-dir $(BENCH_STATE_DIR) --free-ports -- $(BIN)/landlord-bench identity --identity-bin $(BIN)/identity $(TEE)
	rm -rf $(BENCH_STATE_DIR)
	cd services && go test -run '^$$' -bench CheckAtScale -benchtime 1x ./identity/internal/authz/ $(TEE)
	cd services && go test -run '^$$' -bench 'Verify' ./identity/internal/signing/ $(TEE)

.PHONY: bench-provisioning
bench-provisioning: $(BIN)/landlord-devcluster $(BIN)/identity $(BIN)/quota $(BIN)/provisioning $(BIN)/landlord-bench ## Tenants through the operator vs raw client-go creates; restart at 1,000 tenants: resync time, writes, RSS
	$(BENCH_HEADER)
	rm -rf $(BENCH_STATE_DIR)
	$(BIN)/landlord-devcluster exec --state-dir $(BENCH_STATE_DIR) --free-ports -- $(BIN)/landlord-bench provisioning --provisioning-bin $(BIN)/provisioning --identity-bin $(BIN)/identity --quota-bin $(BIN)/quota $(TEE)
	rm -rf $(BENCH_STATE_DIR)

.PHONY: bench-apf
bench-apf: $(BIN)/landlord-devcluster $(BIN)/landlord-bench ## API Priority and Fairness at 1,000 tenants: throughput of the last tier schema subject vs the first (and vs one schema per tenant)
	$(BENCH_HEADER)
	rm -rf $(BENCH_STATE_DIR)
	$(BIN)/landlord-devcluster exec --state-dir $(BENCH_STATE_DIR) --free-ports -- $(BIN)/landlord-bench apf $(TEE)
	rm -rf $(BENCH_STATE_DIR)

.PHONY: bench-quota
bench-quota: $(BIN)/landlord-devcluster $(BIN)/quota $(BIN)/provisioning $(BIN)/landlord-bench ## Pod storm vs plain quotas of the same total; rebalance end to end; allocation decisions at 1,000 tenants
	$(BENCH_HEADER)
	rm -rf $(BENCH_STATE_DIR)
	$(BIN)/landlord-devcluster exec --state-dir $(BENCH_STATE_DIR) --free-ports -- $(BIN)/landlord-bench quota --bin-dir $(BIN) $(TEE)
	rm -rf $(BENCH_STATE_DIR)
	cd services && go test -run '^$$' -bench 'Decision|Save' -benchtime 3000x ./quota/internal/ledger/ ./quota/internal/ledger/store/ $(TEE)

.PHONY: bench-observability
bench-observability: $(BIN)/landlord-devcluster $(BIN)/identity $(BIN)/observability $(BIN)/landlord-bench ## Observability at 1,000 tenants, 10,000 Deployments, 2,000 pods (seeded in bulk): GetTenantUsage p50/p99 vs a health check, ListTenantUsage, RSS, informer throughput vs a plain watch; usage computation in memory
	$(BENCH_HEADER)
	rm -rf $(BENCH_STATE_DIR)
	$(BIN)/landlord-devcluster exec --state-dir $(BENCH_STATE_DIR) --free-ports -- $(BIN)/landlord-bench observability --observability-bin $(BIN)/observability --identity-bin $(BIN)/identity $(TEE)
	rm -rf $(BENCH_STATE_DIR)
	cd services && go test -run '^$$' -bench TenantUsageAt1000Tenants -benchtime 50x ./observability/internal/cluster/ $(TEE)

.PHONY: bench-gateway
bench-gateway: $(BIN)/landlord-devcluster $(BIN)/identity $(BIN)/quota $(BIN)/provisioning $(BIN)/observability $(BIN)/gateway $(BIN)/landlord-bench ## GetTenant as REST through the gateway vs native gRPC to provisioning: req/s ratio (goal >= 0.5) and p50/p99 at 8 and 32 callers
	$(BENCH_HEADER)
	rm -rf $(BENCH_STATE_DIR)
	$(BIN)/landlord-devcluster exec --state-dir $(BENCH_STATE_DIR) --free-ports -- $(BIN)/landlord-bench gateway --bin-dir $(BIN) $(TEE)
	rm -rf $(BENCH_STATE_DIR)

.PHONY: bench-ghz
bench-ghz: $(BIN)/landlord-devcluster $(BIN)/identity $(BIN)/quota $(BIN)/provisioning $(BIN)/observability $(BIN)/gateway $(BIN)/landlord-bench ## Every ghz scenario in bench/ghz (each service's hot RPCs) against a fresh stack, vs a health check of the same service
	$(BENCH_HEADER)
	rm -rf $(BENCH_STATE_DIR)
	$(BIN)/landlord-devcluster exec --state-dir $(BENCH_STATE_DIR) --free-ports -- $(BIN)/landlord-bench ghz --bin-dir $(BIN) --dir bench/ghz $(TEE)
	rm -rf $(BENCH_STATE_DIR)

.PHONY: bench-devcluster-start
bench-devcluster-start: $(BIN)/landlord-devcluster $(BIN)/landlord-bench ## Dev cluster cold and warm start times
	$(BENCH_HEADER)
	$(BIN)/landlord-bench devcluster-start $(TEE)

##@ Generate and verify

.build/protodeps: scripts/protodeps.sh
	scripts/protodeps.sh
	touch $@

.PHONY: generate
generate: .build/protodeps ## Generate code: protos into gen/, the Tenant CRD and deep copies from services/provisioning/api, the operator's RBAC from its markers
	go tool buf generate
	cd gen && go mod tidy
	# go:embed cannot reach into the gen module: the gateway embeds a copy.
	cp gen/openapi/landlord.swagger.json services/gateway/openapi/
	cp gen/openapi/v3/openapi.yaml services/gateway/openapi/landlord.openapi.yaml
	go tool controller-gen object paths=./services/provisioning/api/... \
		crd paths=./services/provisioning/api/... output:crd:dir=services/provisioning/crds
	cp services/provisioning/crds/*.yaml deploy/crds/
	go tool controller-gen rbac:roleName=landlord-provisioning \
		paths="{./services/provisioning/internal/controller,./services/provisioning/internal/tenants}" \
		output:rbac:dir=deploy/rbac/provisioning
	go tool controller-gen rbac:roleName=landlord-provisioning-force \
		paths=./services/provisioning/internal/controller/force output:rbac:dir=deploy/rbac/provisioning-force
	go tool controller-gen rbac:roleName=landlord-quota paths=./services/quota/internal/cluster output:rbac:dir=deploy/rbac/quota
	go tool controller-gen rbac:roleName=landlord-observability paths=./services/observability/internal/cluster output:rbac:dir=deploy/rbac/observability

.PHONY: verify
verify: verify-generate verify-proto verify-breaking verify-go verify-imports verify-deploy ## Everything CI checks besides the tests

.PHONY: verify-generate
verify-generate: generate ## Fail if generated code is not what its sources generate
	@generated="gen services/gateway/openapi/landlord.swagger.json services/gateway/openapi/landlord.openapi.yaml deploy/crds deploy/rbac/provisioning/role.yaml deploy/rbac/provisioning-force/role.yaml deploy/rbac/quota/role.yaml deploy/rbac/observability/role.yaml services/provisioning/crds :(glob)services/**/zz_generated.*.go"; \
	if [ -n "$$(git status --porcelain -- $$generated)" ]; then \
		git status --short -- $$generated; echo "generated code is stale: run 'make generate' and commit it"; exit 1; fi

.PHONY: verify-proto
verify-proto: .build/protodeps ## buf lint and buf format
	go tool buf lint
	go tool buf format --diff --exit-code proto

.PHONY: verify-breaking
verify-breaking: .build/protodeps ## buf breaking (WIRE_JSON) against main (or BREAKING_AGAINST)
	scripts/verify-breaking.sh

.PHONY: verify-go
verify-go: ## gofmt, go vet and go mod tidy
	@out=$$(gofmt -l $(GO_MODULES) deploy); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	for m in gen services; do (cd $$m && go vet ./...); done
	for m in $(GO_MODULES); do (cd $$m && go mod tidy -diff); done
	$(DEVCLUSTER) go vet ./... && go mod tidy -diff

.PHONY: verify-deploy
verify-deploy: $(BIN)/landlord-devcluster $(BIN)/kubectl ## Render deploy/base and validate it with server-side dry-run against a throwaway dev cluster
	rm -rf $(VERIFY_STATE_DIR)
	$(BIN)/landlord-devcluster exec --state-dir $(VERIFY_STATE_DIR) --free-ports -- scripts/verify-deploy.sh
	rm -rf $(VERIFY_STATE_DIR)

.PHONY: verify-imports
verify-imports: ## Fail if services/internal (or its tests) depends on a service's packages
	scripts/verify-imports.sh

.PHONY: fix-proto
fix-proto: ## Format the protos
	go tool buf format -w proto

.PHONY: fix-go
fix-go: ## gofmt and go mod tidy every module
	gofmt -w $(GO_MODULES) deploy
	for m in $(GO_MODULES); do (cd $$m && go mod tidy); done
	$(DEVCLUSTER) go mod tidy
