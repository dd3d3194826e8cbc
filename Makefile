# dmvx build, test, demo and benchmark entry points.
#
#   make deps    install missing Debian packages (gcc, lighttpd, curl, wrk, ...)
#   make build   launcher blob, bin/dmvx, test and benchmark programs
#   make test    deps + build + go vet + unit tests + end-to-end tests
#   make demo    deps + build + a guided tour (scripts/demo.sh)
#   make bench   deps + build + microbenchmarks and lighttpd (bench/run.sh)
#   make clean   remove what build made

SHELL := bash
MAKEFLAGS += --no-print-directory
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := build

# Go lives in /usr/local/go on the project's machines; put it first so that a
# fresh shell (CI) finds it.
export PATH := /usr/local/go/bin:$(PATH)
GO ?= go
CC := gcc

IPMON_SRC := ipmon/ipmon.c
IPMON := internal/ipmon/blob/ipmon.so
# IP-MON lives inside the variant: freestanding, position-independent, no
# libc, no red zone (it calls its gate from inline assembly), only the
# wrappers exported.
IPMON_CFLAGS := -shared -fPIC -nostdlib -ffreestanding -fno-builtin -fno-stack-protector \
	-mno-red-zone -fvisibility=hidden -fno-tree-loop-distribute-patterns \
	-fno-asynchronous-unwind-tables -O2 -Wall -Werror -Wl,-z,now -Wl,-z,noexecstack

LAUNCHER_SRC := launcher/launcher.c
LAUNCHER := internal/launch/blob/launcher
# The launcher runs before the program's first instruction, inside the
# variant: freestanding, static PIE, no libc.
LAUNCHER_CFLAGS := -static -nostdlib -nostartfiles -ffreestanding -fno-builtin \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fpie -static-pie \
	-O2 -Wall -Werror

# Test and benchmark programs: the machine's gcc with its defaults (PIE).
PROG_CFLAGS := -O2 -Wall -Werror

TESTDATA_PLAIN := hello nondet branch_addr leak_ptr threads signals exitcode segv fileio sem_signal unsupported syscalls
TESTDATA_BINS := $(addprefix testdata/bin/,$(TESTDATA_PLAIN) open_a open_b spin_yes spin_no)
BENCH_BINS := $(addprefix bench/bin/,getcwd read_zero sched_yield)

E2E_PKG := ./test/e2e
# go test's -timeout must stay below what CI allows for the whole of make test.
UNIT_TIMEOUT ?= 5m
E2E_TIMEOUT ?= 10m

.PHONY: all deps build test vet unit e2e demo bench clean FORCE

all: build

deps:
	scripts/deps.sh

build: bin/dmvx $(TESTDATA_BINS) $(BENCH_BINS)

$(LAUNCHER): $(LAUNCHER_SRC) $(wildcard launcher/*.h)
	@mkdir -p $(@D)
	$(CC) $(LAUNCHER_CFLAGS) -o $@ $(LAUNCHER_SRC)

$(IPMON): $(IPMON_SRC) $(wildcard ipmon/*.h)
	@mkdir -p $(@D)
	$(CC) $(IPMON_CFLAGS) -o $@ $(IPMON_SRC)

# go build is incremental and knows the Go dependencies (embedded files
# included), so it runs every time; FORCE keeps make from second-guessing it.
bin/dmvx: $(LAUNCHER) $(IPMON) FORCE
	@mkdir -p $(@D)
	$(GO) build -o $@ ./cmd/dmvx

testdata/bin/%: testdata/%.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -o $@ $<

testdata/bin/threads: testdata/threads.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -pthread -o $@ $<

testdata/bin/sem_signal: testdata/sem_signal.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -pthread -o $@ $<

testdata/bin/open_a: testdata/open_file.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -DPATH='"/etc/hostname"' -o $@ $<

testdata/bin/open_b: testdata/open_file.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -DPATH='"/etc/passwd"' -o $@ $<

testdata/bin/spin_yes: testdata/spin.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -DSPIN -o $@ $<

testdata/bin/spin_no: testdata/spin.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -o $@ $<

bench/bin/%: bench/%.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -o $@ $<

vet:
	$(GO) vet ./...

# Unit tests: every package but the end-to-end one, which runs on its own
# afterwards so that the ptrace-heavy runs do not compete with unit tests for
# the CPUs.
unit:
	pkgs=$$($(GO) list ./... | { grep -v '/test/e2e$$' || true; }); \
	if [ -n "$$pkgs" ]; then $(GO) test -count=1 -timeout $(UNIT_TIMEOUT) $$pkgs; fi

e2e:
	$(GO) test -count=1 -timeout $(E2E_TIMEOUT) -v $(E2E_PKG)

test: deps
	$(MAKE) build
	$(MAKE) vet
	$(MAKE) unit
	$(MAKE) e2e

demo: deps
	$(MAKE) build
	scripts/demo.sh

bench: deps
	$(MAKE) build
	bench/run.sh

clean:
	rm -rf bin testdata/bin bench/bin $(LAUNCHER) $(IPMON)

FORCE:
