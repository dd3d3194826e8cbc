# dmvx build, test, demo and benchmark entry points.
#
#   make deps    install missing Debian packages (gcc, lighttpd, curl, wrk, ...)
#   make build   launcher blob, bin/dmvx, test and benchmark programs
#   make test    deps + build + the emulated arm64 host's image (make
#                arm64-host) + go vet + unit tests + short fuzzing (make fuzz)
#                + end-to-end tests, the cross-ISA ones included (default
#                configuration, then every other one: make e2e-matrix)
#   make demo    deps + build + a guided tour (scripts/demo.sh)
#   make demo-attack  deps + build + a real exploit, natively and under dmvx
#                (scripts/demo-attack.sh, docs/security.md)
#   make bench   deps + build + microbenchmarks and lighttpd (bench/run.sh),
#                then the same with the follower on another host (bench/hosts)
#   make bench-crossisa  the microbenchmarks with an arm64 follower on the
#                emulated arm64 host (bench/crossisa.sh)
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
IPMON := internal/ipmon/blob/ipmon-amd64.so
IPMON_ARM64 := internal/ipmon/blob/ipmon-arm64.so
# IP-MON lives inside the variant: freestanding, position-independent, no
# libc, no red zone (it calls its gate from inline assembly), only the
# wrappers exported; general registers only, since a patched syscall site may
# hold live values in the vector registers (see dmvx_site_entry). arm64: no
# red zone to avoid there, and atomics inline (no libgcc helper).
IPMON_CFLAGS_ANY := -shared -fPIC -nostdlib -ffreestanding -fno-builtin -fno-stack-protector \
	-mgeneral-regs-only -fvisibility=hidden -fno-tree-loop-distribute-patterns \
	-fno-asynchronous-unwind-tables -O2 -Wall -Werror -Wl,-z,now -Wl,-z,noexecstack
IPMON_CFLAGS := $(IPMON_CFLAGS_ANY) -mno-red-zone
IPMON_CFLAGS_ARM64 := $(IPMON_CFLAGS_ANY) -mno-outline-atomics

LAUNCHER_SRC := launcher/launcher.c
LAUNCHER := internal/launch/blob/launcher-amd64
LAUNCHER_ARM64 := internal/launch/blob/launcher-arm64
# arm64 code comes from Debian's cross compiler (gcc-aarch64-linux-gnu).
CC_ARM64 := aarch64-linux-gnu-gcc
# The launcher runs before the program's first instruction, inside the
# variant: freestanding, static PIE, no libc.
LAUNCHER_CFLAGS := -static -nostdlib -nostartfiles -ffreestanding -fno-builtin \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fpie -static-pie \
	-O2 -Wall -Werror

# Test and benchmark programs: the machine's gcc with its defaults (PIE).
PROG_CFLAGS := -O2 -Wall -Werror

TESTDATA_PLAIN := hello nondet branch_addr leak_ptr threads signals exitcode segv fileio sem_signal unsupported syscalls gsbase sigread stdio readback forkwrite isa_diff
TESTDATA_BINS := $(addprefix testdata/bin/,$(TESTDATA_PLAIN) loader_write.so open_a open_b spin_yes spin_no \
	hello_static write_a write_b flood flood_slow tamper tamper_yes tamper_rec hide gate_jump gate_jump_yes \
	stdio_a stdio_b fork_a fork_b stat_a stat_b vulnsvc escape escape_yes)
BENCH_BINS := $(addprefix bench/bin/,getcwd read_zero sched_yield)
# The test programs that have no x86-64 code of their own, for arm64 hosts
# (docs/cross-isa.md).
TESTDATA_ARM64 := $(addprefix testdata/bin-arm64/,hello nondet branch_addr leak_ptr threads signals \
	exitcode segv fileio sem_signal unsupported sigread stdio readback forkwrite isa_diff \
	bench_getcwd bench_read_zero bench_sched_yield)

E2E_PKG := ./test/e2e
# go test's -timeout must stay below what CI allows for the whole of make test.
UNIT_TIMEOUT ?= 5m
E2E_TIMEOUT ?= 10m

.PHONY: all deps build test vet unit fuzz e2e e2e-matrix demo demo-attack bench bench-crossisa clean arm64-progs FORCE

# Parts of the build that have a file of their own (the emulated arm64 host).
include $(wildcard mk/*.mk)

all: build

deps:
	scripts/deps.sh

build: bin/dmvx $(TESTDATA_BINS) $(BENCH_BINS) bin/arm64/dmvx $(TESTDATA_ARM64)

$(LAUNCHER): $(LAUNCHER_SRC) $(wildcard launcher/*.h)
	@mkdir -p $(@D)
	$(CC) $(LAUNCHER_CFLAGS) -o $@ $(LAUNCHER_SRC)

$(LAUNCHER_ARM64): $(LAUNCHER_SRC) $(wildcard launcher/*.h)
	@mkdir -p $(@D)
	$(CC_ARM64) $(LAUNCHER_CFLAGS) -o $@ $(LAUNCHER_SRC)

$(IPMON): $(IPMON_SRC) $(wildcard ipmon/*.h)
	@mkdir -p $(@D)
	$(CC) $(IPMON_CFLAGS) -o $@ $(IPMON_SRC)

$(IPMON_ARM64): $(IPMON_SRC) $(wildcard ipmon/*.h)
	@mkdir -p $(@D)
	$(CC_ARM64) $(IPMON_CFLAGS_ARM64) -o $@ $(IPMON_SRC)

# go build is incremental and knows the Go dependencies (embedded files
# included), so it runs every time; FORCE keeps make from second-guessing it.
# Each dmvx embeds both ISAs' IP-MON objects: a leader host names each
# one's digest to follower hosts of either ISA (docs/cross-isa.md).
bin/dmvx: $(LAUNCHER) $(IPMON) $(IPMON_ARM64) FORCE
	@mkdir -p $(@D)
	$(GO) build -o $@ ./cmd/dmvx

# dmvx for an arm64 host (the emulated one of mk/arm64-host.mk, or a real
# one), with its own IP-MON.
bin/arm64/dmvx: $(LAUNCHER_ARM64) $(IPMON) $(IPMON_ARM64) FORCE
	@mkdir -p $(@D)
	GOARCH=arm64 $(GO) build -o $@ ./cmd/dmvx

# The microbenchmarks, for bench/crossisa.sh: the emulated arm64 host takes
# what testdata/bin-arm64 holds.
testdata/bin-arm64/bench_%: bench/%.c
	@mkdir -p $(@D)
	$(CC_ARM64) $(PROG_CFLAGS) -o $@ $<

testdata/bin-arm64/%: testdata/%.c
	@mkdir -p $(@D)
	$(CC_ARM64) $(PROG_CFLAGS) -o $@ $< -lpthread

arm64-progs: $(TESTDATA_ARM64)

testdata/bin/%: testdata/%.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -o $@ $<

# The target of the security tests (docs/security.md), built as a
# distribution builds a service: PIE, stack protector on.
testdata/bin/loader_write.so: testdata/loader_write.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -shared -fPIC -o $@ $<

testdata/bin/vulnsvc: testdata/vulnsvc.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -fPIE -pie -fstack-protector-strong -o $@ $<

# escape_yes tries to leave dmvx's monitoring (docs/security.md); escape
# does not.
testdata/bin/escape: testdata/escape.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -o $@ $<

testdata/bin/escape_yes: testdata/escape.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -DESCAPE -o $@ $<

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

testdata/bin/stat_a: testdata/stat_file.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -DPATH='"/etc/hostname"' -o $@ $<

testdata/bin/stat_b: testdata/stat_file.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -DPATH='"/etc/passwd"' -o $@ $<

testdata/bin/spin_yes: testdata/spin.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -DSPIN -o $@ $<

testdata/bin/spin_no: testdata/spin.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -o $@ $<

# IP-MON tests (test/e2e/ipmon_test.go). hello_static: LD_PRELOAD cannot
# load IP-MON into a static program.
testdata/bin/hello_static: testdata/hello.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -static -o $@ $<

testdata/bin/write_a: testdata/write_diff.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -DMSG='"hello\n"' -o $@ $<

testdata/bin/write_b: testdata/write_diff.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -DMSG='"jello\n"' -o $@ $<

# stdio_a and stdio_b meet their difference at a patched syscall site.
testdata/bin/stdio_a: testdata/stdio.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -DDIVERGE -DMSG='"hello\n"' -o $@ $<

testdata/bin/stdio_b: testdata/stdio.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -DDIVERGE -DMSG='"jello\n"' -o $@ $<

# fork_a and fork_b meet their difference in a forked child's IP-MON.
testdata/bin/fork_a: testdata/forkwrite.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -DMSG='"hello\n"' -o $@ $<

testdata/bin/fork_b: testdata/forkwrite.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -DMSG='"jello\n"' -o $@ $<

testdata/bin/flood_slow: testdata/flood.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -DSLOW -o $@ $<

# tamper, hide and gate_jump reach IP-MON's control page and buffer as an
# attacker inside the variant would: they take the layouts from IP-MON's
# own headers. gate_jump calls the gate from inline assembly: no red zone.
IPMON_H := $(wildcard ipmon/*.h)

testdata/bin/tamper: testdata/tamper.c $(IPMON_H)
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -Iipmon -o $@ $<

testdata/bin/tamper_yes: testdata/tamper.c $(IPMON_H)
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -Iipmon -DTAMPER -o $@ $<

testdata/bin/tamper_rec: testdata/tamper.c $(IPMON_H)
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -Iipmon -DTAMPER_RECORD -o $@ $<

testdata/bin/hide: testdata/hide.c $(IPMON_H)
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -Iipmon -o $@ $<

testdata/bin/gate_jump: testdata/gate_jump.c $(IPMON_H)
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -Iipmon -mno-red-zone -o $@ $<

testdata/bin/gate_jump_yes: testdata/gate_jump.c $(IPMON_H)
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -Iipmon -mno-red-zone -DJUMP -o $@ $<

bench/bin/%: bench/%.c
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -o $@ $<

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l cmd internal test); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Unit tests: every package but the end-to-end one, which runs on its own
# afterwards so that the ptrace-heavy runs do not compete with unit tests for
# the CPUs.
unit:
	pkgs=$$($(GO) list ./... | { grep -v '/test/e2e$$' || true; }); \
	if [ -n "$$pkgs" ]; then $(GO) test -count=1 -timeout $(UNIT_TIMEOUT) $$pkgs; fi

# The parsers an attacker can feed (docs/security.md): a variant's call
# arguments and memory, replication records, frames from the network, and
# the executor's stops and commands. Each fuzz target runs FUZZ_TIME: in
# make test a count of inputs (about 5-15 s each here), which has no
# wall-clock deadline for Go 1.26's coordinator to race (below);
# FUZZ_TIME=10m make fuzz for a long run. A failing input lands in the
# package's testdata/fuzz and fails the run.
FUZZ_TIME ?= 150000x
FUZZ_TARGETS := ./internal/abi/amd64:FuzzDecode ./internal/abi/arm64:FuzzDecode ./internal/rb:FuzzPeek ./internal/rb:FuzzAppendRaw \
	./internal/ship:FuzzReplay ./internal/wire:FuzzRead ./internal/cpmon:FuzzDecodeCommands \
	./internal/cpmon:FuzzDecodeStop

#
# Go 1.26's fuzz coordinator can end a run that found nothing with
# "context deadline exceeded" when a -fuzztime duration expires while a
# worker is busy (go.dev/issue/75804, fixed in Go 1.27). With a duration, a
# target that fails without writing a failing input is run once more; one
# that writes an input fails.
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t#*:}; corpus=$$pkg/testdata/fuzz/$$name; \
		for try in 1 2; do \
			echo "fuzz: $$name in $$pkg for $(FUZZ_TIME)"; \
			before=$$({ ls "$$corpus" 2>/dev/null || true; } | wc -l); \
			if $(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZ_TIME) "$$pkg"; then break; fi; \
			after=$$({ ls "$$corpus" 2>/dev/null || true; } | wc -l); \
			if [ "$$after" != "$$before" ] || [ "$$try" = 2 ]; then exit 1; fi; \
			echo "fuzz: $$name failed without a failing input (go.dev/issue/75804): once more"; \
		done; \
	done

e2e:
	$(GO) test -count=1 -timeout $(E2E_TIMEOUT) -v $(E2E_PKG)

# The end-to-end tests again in every configuration but the default (which
# e2e runs): each IP-MON policy level below socket-rw, CP-MON alone, and
# calls compared from the program's entry (docs/cross-isa.md). The
# harness puts DMVX_E2E_FLAGS right after `dmvx run`; tests of IP-MON's own
# figures skip themselves. Every configuration runs, then any failure fails.
E2E_CONFIGS := "--policy base" "--policy nonsocket-ro" "--policy nonsocket-rw" "--policy socket-ro" "--no-ipmon" "--from-entry"

e2e-matrix:
	@failed=; \
	for flags in $(E2E_CONFIGS); do \
		echo "e2e-matrix: DMVX_E2E_FLAGS='$$flags'"; \
		start=$$SECONDS; \
		if DMVX_E2E_FLAGS="$$flags" $(GO) test -count=1 -timeout $(E2E_TIMEOUT) $(E2E_PKG); then \
			echo "e2e-matrix: $$flags: ok in $$((SECONDS - start))s"; \
		else \
			echo "e2e-matrix: $$flags: FAIL in $$((SECONDS - start))s"; \
			failed="$$failed '$$flags'"; \
		fi; \
	done; \
	if [ -n "$$failed" ]; then echo "e2e-matrix: failed:$$failed"; exit 1; fi

test: deps
	$(MAKE) build
	$(MAKE) arm64-host
	$(MAKE) vet
	$(MAKE) unit
	$(MAKE) fuzz
	$(MAKE) e2e
	$(MAKE) e2e-matrix

demo: deps
	$(MAKE) build
	scripts/demo.sh

# A real exploit against testdata/vulnsvc, natively and under dmvx
# (docs/security.md).
demo-attack: deps
	$(MAKE) build
	$(GO) build -o bin/exploit ./test/attack/exploit
	scripts/demo-attack.sh

bench: deps
	$(MAKE) build
	bench/run.sh
	$(if $(filter hosts,$(BENCH_SKIP)),,$(GO) run ./bench/hosts)

# The microbenchmarks with an arm64 follower on the emulated host
# (docs/performance.md); it leaves that host running (make arm64-host-down).
bench-crossisa: deps
	$(MAKE) build
	$(MAKE) arm64-host
	bench/crossisa.sh

clean:
	rm -rf bin testdata/bin testdata/bin-arm64 bench/bin $(LAUNCHER) $(LAUNCHER_ARM64) $(IPMON) $(IPMON_ARM64)

FORCE:
