# packuilon — see README.md. `make demo` and `make test` work on a fresh Debian 12 machine.
GO      ?= go
BIN     := bin/packuilon
# The one-shot scan (packuilon watch --once) as its own small binary: it starts in half the time.
ONCE    := bin/packuilon-watch-once
PKGS    := ./...
# The version stamped into both binaries (internal/version) and, converted, the packages'
# (scripts/package).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS := -X github.com/packuilon/packuilon/internal/version.stamp=$(VERSION)
export PATH := /usr/local/go/bin:$(PATH)

.PHONY: all build deps test test-short bench demo lint fmt clean package

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/packuilon
	$(GO) build -ldflags "$(LDFLAGS)" -o $(ONCE) ./cmd/packuilon-watch-once

# dist/packuilon_<version>-1_amd64.deb and dist/packuilon-<version>-1.x86_64.rpm, built with nfpm
# from packaging/nfpm.yaml (both binaries, units, sysusers.d, tmpfiles.d, sample /etc/packer-utils,
# man pages, completions, LICENSE).
package:
	$(GO) run ./scripts/package -out dist

deps:
	./scripts/deps.sh

# Every test, against real RabbitMQ / Keystone / Glance / Rally / Packer started on loopback.
# PACKUILON_REQUIRE_SERVICES turns a missing service into a failure instead of a skip.
test: deps build
	PACKUILON_REQUIRE_SERVICES=1 $(GO) test -count=1 -timeout 25m $(PKGS)

# Unit tests only; integration tests skip when their service is not installed.
test-short:
	$(GO) test -count=1 $(PKGS)

# Go benchmarks against the real services, then a summary of their figures (scripts/bench.sh).
bench: deps build
	./scripts/bench.sh

demo: deps build
	./scripts/demo.sh

lint:
	@test -z "$$(gofmt -l . | tee /dev/stderr)"
	$(GO) vet $(PKGS)

fmt:
	gofmt -w .

clean:
	rm -rf bin dist
