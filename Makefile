.DEFAULT_GOAL := help
SHELL := bash

# Packages that link the PostgreSQL parser (cgo) are tested without -race:
# the race build recompiles its C sources (about 2 minutes, then cached).
# Only the test that runs the analyzers together, which exists to catch
# races between them, is built with -race.
PARSER_PKGS := ./analyzer/... ./cmd/txvet/...
RACE_PARSER_TEST := -run TestTogether ./analyzer/suite
# Every sqlc output directory, read from sqlc.yaml.
SQLC_OUTS := $(shell awk '$$1 == "out:" {print $$2}' sqlc.yaml)

.PHONY: help
help: ## list the targets
	@awk -F ':.*## ' '/^[a-z-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: services
services: ## start local PostgreSQL and RabbitMQ (installing them if missing)
	@scripts/services.sh

.PHONY: generate
generate: ## regenerate the data layer from schema/ and queries/
	go tool sqlc generate

.PHONY: verify
verify: ## fail when generated code is stale, extra or missing
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	tar cf - --exclude=./.git --exclude=./bin . | tar xf - -C "$$tmp"; \
	for out in $(SQLC_OUTS); do rm -rf "$$tmp/$$out"; done; \
	(cd "$$tmp" && go tool sqlc generate) || exit 1; \
	for out in $(SQLC_OUTS); do \
		diff -r "$$out" "$$tmp/$$out" >/dev/null || { diff -r "$$out" "$$tmp/$$out" | head -20; \
			echo "verify: $$out differs from what sqlc generates: run make generate"; exit 1; }; \
	done; \
	echo "verify: generated code is fresh"

# The naive race ports are meant to be flagged: their golden test
# (scenarios/txvet_test.go) owns them.
VET_PKGS = $$(go list ./... | grep -v /scenarios/naive)

.PHONY: vet
vet: ## go vet, plus txvet standalone over the whole project (fails on any finding)
	go vet ./...
	go build -o bin/txvet ./cmd/txvet
	bin/txvet $(VET_PKGS)

.PHONY: test
test: ## run every test against the local PostgreSQL and RabbitMQ
	go test -count=1 -race $$(go list ./... | grep -v -e /analyzer -e /cmd/txvet)
	go test -count=1 $(PARSER_PKGS)
	go test -count=1 -race $(RACE_PARSER_TEST)
	$(MAKE) --no-print-directory fuzz FUZZTIME=3s
	$(MAKE) --no-print-directory torture TORTURE_DURATION=1m

# Each fuzz target, as "package:target".
FUZZ_TARGETS := ./jobs:FuzzValidatedTextIsStorable ./consumers:FuzzDecodeMessages ./webhook:FuzzVerify \
	./analyzer/internal/catalog:FuzzClassify

.PHONY: fuzz
fuzz: ## run every fuzz target for FUZZTIME each (default 1m); make test runs them for 3s
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} ($${t%%:*}) for $(or $(FUZZTIME),1m)"; \
		go test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(or $(FUZZTIME),1m) "$${t%%:*}" || exit 1; \
	done

.PHONY: torture
torture: ## run the pipeline under injected faults for TORTURE_DURATION (default 3m), then check every invariant (TORTURE_FLAGS=--json)
	go build -o bin/lockstep ./cmd/lockstep
	bin/lockstep torture --duration $(or $(TORTURE_DURATION),3m) $(TORTURE_FLAGS)

.PHONY: demo
demo: ## run a few hundred multi-step jobs through the whole pipeline and check them (JOBS=300 STEPS=3)
	@scripts/demo.sh

.PHONY: bench
bench: ## measure chains, io, burn-down, latency and submission against pgbench, the broker and River in one run (JOBS=2000 STEPS=3 BENCH_FLAGS=--json)
	go build -o bin/lockstep ./cmd/lockstep
	cd bench/river && go build -o ../../bin/river-bench .
	bin/lockstep bench --jobs $(or $(JOBS),2000) --steps $(or $(STEPS),3) --river bin/river-bench $(BENCH_FLAGS)

.PHONY: bench-txvet
bench-txvet: ## time txvet against go vet on this repository and on pgx, in one run, with private caches
	go test -run '^$$' -bench VsGoVet -benchtime 1x -timeout 60m ./cmd/txvet

.PHONY: sweep-txvet
sweep-txvet: ## run txvet as go vet does over the standard library and every cached module, each package capped; count crashes and findings
	cmd/txvet/sweep.sh
