#!/usr/bin/env bash
# The microbenchmarks with an amd64 leader (this machine) and an arm64
# follower (the emulated host of docs/arm64-host.md), side by side with
# what says how much of that is the emulator: the same programs in the
# emulated host alone, natively and under a one-host dmvx there (without
# and with IP-MON). Runs are interleaved, the median of BENCH_RUNS is
# printed as a markdown table (docs/performance.md, "Variants of two
# instruction sets").
#
# Environment: BENCH_RUNS (3), BENCH_ITERS (20000: the emulated host makes
# a call in tens of microseconds, a ptrace stop in a millisecond), DMVX
# (bin/dmvx). Run it through `make bench-crossisa`, which builds first and
# boots the emulated host (and leaves it running).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${BENCH_RUNS:-3}
ITERS=${BENCH_ITERS:-20000}
DMVX=${DMVX:-bin/dmvx}
root=$PWD

for f in "$DMVX" bench/bin/getcwd testdata/bin-arm64/bench_getcwd; do
	[ -x "$f" ] || { echo "bench: $f missing: run make build first" >&2; exit 1; }
done
line=$(scripts/arm64-host up)
agent=${line#agent=}
agent=${agent%% *}
certs=${line#*certs=}

log() { echo "bench: $*" >&2; }

median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# secs CMD...: the wall time of CMD here, in seconds; CMD must succeed.
secs() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || { log "failed: $*"; exit 1; }
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}

# guest_secs CMD: the wall time of CMD in the emulated host, measured there.
guest_secs() {
	scripts/arm64-host exec sh -c "cd $root && t0=\$(date +%s%N) && $1 >/dev/null 2>&1 && t1=\$(date +%s%N) && echo \$(( (t1 - t0) / 1000 ))" |
		awk '{ printf "%.6f\n", $1 / 1e6 }'
}

printf '| benchmark (%d calls) | amd64 native | amd64 dmvx -n 2 | amd64 leader, arm64 follower | the same with IP-MON | arm64 native (emulated) | arm64 dmvx -n 2 (emulated) | arm64 dmvx -n 2 with IP-MON (emulated) |\n' "$ITERS"
printf '|---|---:|---:|---:|---:|---:|---:|---:|\n'
for b in getcwd read_zero sched_yield; do
	nat=() one=() cross=() crossip=() gnat=() gone=() gip=()
	for ((i = 0; i < RUNS; i++)); do
		log "$b run $((i + 1))/$RUNS"
		nat+=("$(secs "bench/bin/$b" "$ITERS")")
		one+=("$(secs "$DMVX" run -n 2 --no-ipmon -- "bench/bin/$b" "$ITERS")")
		cross+=("$(secs "$DMVX" run --no-ipmon --follower "$agent" --cert "$certs/leader.pem" \
			--key "$certs/leader-key.pem" --ca "$certs/ca.pem" \
			--variant "$agent=/opt/dmvx/testdata/bin-arm64/bench_$b" -- "bench/bin/$b" "$ITERS")")
		crossip+=("$(secs "$DMVX" run --follower "$agent" --cert "$certs/leader.pem" \
			--key "$certs/leader-key.pem" --ca "$certs/ca.pem" \
			--variant "$agent=/opt/dmvx/testdata/bin-arm64/bench_$b" -- "bench/bin/$b" "$ITERS")")
		gnat+=("$(guest_secs "/opt/dmvx/testdata/bin-arm64/bench_$b $ITERS")")
		gone+=("$(guest_secs "bin/dmvx run -n 2 --no-ipmon -- /opt/dmvx/testdata/bin-arm64/bench_$b $ITERS")")
		gip+=("$(guest_secs "bin/dmvx run -n 2 -- /opt/dmvx/testdata/bin-arm64/bench_$b $ITERS")")
	done
	printf '| %s | %.3f s | %.3f s | %.3f s | %.3f s | %.3f s | %.3f s | %.3f s |\n' "$b" \
		"$(median "${nat[@]}")" "$(median "${one[@]}")" "$(median "${cross[@]}")" "$(median "${crossip[@]}")" \
		"$(median "${gnat[@]}")" "$(median "${gone[@]}")" "$(median "${gip[@]}")"
done
