#!/usr/bin/env bash
# Benchmarks dmvx against native runs, interleaved (native, dmvx, native,
# dmvx, ...) so that drift on the machine hits both alike, and prints
# markdown tables of medians and ratios (for docs/performance.md).
#
#   microbenchmarks: bench/bin/{getcwd,read_zero,sched_yield} ITERS
#   lighttpd:        a 4 KiB file, wrk -t1 -c10 and wrk -t1 -c1
#
# Environment: BENCH_RUNS (5), BENCH_ITERS (1000000), BENCH_WRK_SECS (5),
# BENCH_TIMEOUT (seconds one run may take, 900), BENCH_SKIP (micro, share
# or lighttpd), DMVX (bin/dmvx). Run it through `make bench`, which builds first.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
. scripts/lib.sh

RUNS=${BENCH_RUNS:-5}
ITERS=${BENCH_ITERS:-1000000}
WRK_SECS=${BENCH_WRK_SECS:-5}
RUN_TIMEOUT=${BENCH_TIMEOUT:-900}
SKIP=${BENCH_SKIP:-}
DMVX=${DMVX:-bin/dmvx}
LIGHTTPD=/usr/sbin/lighttpd

for f in "$DMVX" bench/bin/getcwd bench/bin/read_zero bench/bin/sched_yield; do
	[ -x "$f" ] || { echo "bench: $f missing: run make build first" >&2; exit 1; }
done

scratch_dir bench

log() { echo "bench: $*" >&2; }

# median prints the median of its numeric arguments.
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B prints A/B.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "nan"; else printf "%.2f\n", a / b }'; }

# timed CMD...: runs CMD (output discarded), prints its wall time in seconds.
timed() {
	local t0=$EPOCHREALTIME rc=0
	timeout --kill-after=10 "$RUN_TIMEOUT" "$@" >/dev/null 2>"$tmp/stderr" || rc=$?
	local t1=$EPOCHREALTIME
	if [ "$rc" -ne 0 ]; then
		log "'$*' exited $rc:"; sed 's/^/    /' "$tmp/stderr" >&2
		return 1
	fi
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

echo "# dmvx benchmark"
echo
echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), Linux $(uname -r), $RUNS runs each, median; dmvx = \`$DMVX run -n 2\`."
echo

if [ "$SKIP" != micro ]; then
	declare -A nat dm
	for b in getcwd read_zero sched_yield; do
		for ((r = 1; r <= RUNS; r++)); do
			log "$b run $r/$RUNS ($ITERS iterations)"
			t=$(timed "bench/bin/$b" "$ITERS")
			nat[$b]+=" $t"
			t=$(timed "$DMVX" run -n 2 -- "bench/bin/$b" "$ITERS")
			dm[$b]+=" $t"
		done
	done
	echo "## System-call microbenchmarks ($ITERS iterations)"
	echo
	echo "| benchmark | native (s) | dmvx (s) | ratio |"
	echo "|---|---:|---:|---:|"
	for b in getcwd read_zero sched_yield; do
		# shellcheck disable=SC2086 # word splitting wanted: a list of times
		n=$(median ${nat[$b]}) d=$(median ${dm[$b]})
		echo "| $b | $n | $d | $(ratio "$d" "$n")x |"
	done
	echo
fi

if [ "$SKIP" != share ]; then
	# What share of the leader's calls take the direct path (IP-MON) in
	# the loops the IP-MON issue names, from dmvx's own report.
	cat >"$tmp/pyloop.py" <<PY
for i in range(2000):
    with open("$tmp/py.txt", "w") as f:
        f.write("line %d\\n" % i)
    with open("$tmp/py.txt") as f:
        f.read()
PY
	share() {
		local name=$1 rep="$tmp/share.json" d c
		shift
		log "direct-path share: $name"
		"$DMVX" run -n 2 --report "$rep" -- "$@" >/dev/null 2>&1 || log "$name exited $?"
		d=$(sed -n 's/.*"direct_calls": *\([0-9]*\).*/\1/p' "$rep")
		c=$(sed -n 's/.*"leader_cpmon_calls": *\([0-9]*\).*/\1/p' "$rep")
		echo "| $name | $d | $c | $(awk -v d="$d" -v c="$c" 'BEGIN { if (d + c > 0) printf "%.1f%%", 100 * d / (d + c); else print "nan" }') |"
	}
	echo "## Share of the leader's calls on the direct path (IP-MON)"
	echo
	echo "| program | direct | CP-MON | direct share |"
	echo "|---|---:|---:|---:|"
	share "python3: open/write/read a file x2000" /usr/bin/python3 "$tmp/pyloop.py"
	share "bash: echo \$i >> file x2000" /bin/bash -c "for i in \$(seq 2000); do echo \$i >> $tmp/sh.txt; done"
	share "bash: the same loop in a subshell (a forked child)" /bin/bash -c "( for i in \$(seq 2000); do echo \$i >> $tmp/sub.txt; done )"
	share "getcwd x10^4" bench/bin/getcwd 10000
	echo
fi

[ "$SKIP" = lighttpd ] && exit 0

clk_tck=$(getconf CLK_TCK)

# tree_ticks PID prints the CPU time (user + system, in clock ticks) of PID
# and all its descendants: for dmvx, the monitor and every variant.
tree_ticks() {
	local root=$1 s line rest pid p total=0
	local -a f
	local -A parent ticks
	for s in /proc/[0-9]*/stat; do
		{ read -r line <"$s"; } 2>/dev/null || continue
		pid=${line%% *}
		rest=${line##*) }
		read -ra f <<<"$rest"
		parent[$pid]=${f[1]}
		ticks[$pid]=$((f[11] + f[12]))
	done
	for pid in "${!ticks[@]}"; do
		p=$pid
		while [ -n "$p" ] && [ "$p" -gt 1 ] && [ "$p" != "$root" ]; do p=${parent[$p]:-}; done
		[ "$p" = "$root" ] && total=$((total + ticks[$pid]))
	done
	echo "$total"
}

# to_us converts a wrk duration (123.45us, 1.20ms, 2.00s, 1.00m) to microseconds.
to_us() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		m = (u == "us") ? 1 : (u == "ms") ? 1e3 : (u == "s") ? 1e6 : (u == "m") ? 6e7 : -1
		if (m < 0) print "nan"; else printf "%.2f\n", n * m }'
}

# wrk_run CONNS URL PID: runs wrk against URL; prints "req/s latency_us cpu_us_per_request".
wrk_run() {
	local conns=$1 url=$2 pid=$3 out c0 c1 rps lat reqs
	c0=$(tree_ticks "$pid")
	out=$(timeout --kill-after=5 $((WRK_SECS + 60)) wrk -t1 -c"$conns" -d"${WRK_SECS}s" "$url")
	c1=$(tree_ticks "$pid")
	if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then log "wrk -c$conns reported errors:"; echo "$out" | sed 's/^/    /' >&2; fi
	rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	lat=$(to_us "$(awk '$1 == "Latency" { print $2; exit }' <<<"$out")")
	reqs=$(awk '/ requests in / { print $1 }' <<<"$out")
	echo "$rps $lat $(awk -v t=$((c1 - c0)) -v hz="$clk_tck" -v n="$reqs" 'BEGIN { if (n > 0) printf "%.2f", t / hz * 1e6 / n; else print "nan" }')"
}

# serve_and_measure MODE: starts lighttpd (native or under dmvx), runs both
# wrk loads, stops it; appends the numbers to the MODE arrays.
declare -A rps10 lat1 cpu10
serve_and_measure() {
	local mode=$1 port url res r10 r1 c10
	port=$(free_port)
	make_site "$tmp/site" "$port"
	url="http://127.0.0.1:$port/file.bin"
	if [ "$mode" = native ]; then
		"$LIGHTTPD" -D -f "$tmp/site/lighttpd.conf" >"$tmp/server.out" 2>&1 &
	else
		"$DMVX" run -n 2 --stats -- "$LIGHTTPD" -D -f "$tmp/site/lighttpd.conf" >"$tmp/server.out" 2>&1 &
	fi
	server_pid=$!
	if ! wait_http "$url" 60 "$server_pid"; then
		log "$mode lighttpd did not answer on $url:"
		sed 's/^/    /' "$tmp/server.out" "$tmp/site/error.log" >&2 2>/dev/null || true
		exit 1
	fi
	res=$(wrk_run 10 "$url" "$server_pid")
	read -r r10 _ c10 <<<"$res"
	res=$(wrk_run 1 "$url" "$server_pid")
	read -r _ r1 _ <<<"$res"
	stop_pid "$server_pid"
	server_pid=
	[ "$STOP_STATUS" = 0 ] || log "$mode lighttpd exited $STOP_STATUS on SIGTERM"
	[ "$mode" = native ] || grep '^dmvx: stats' "$tmp/server.out" >"$tmp/stats" || true
	rps10[$mode]+=" $r10"
	lat1[$mode]+=" $r1"
	cpu10[$mode]+=" $c10"
}

for ((r = 1; r <= RUNS; r++)); do
	for mode in native dmvx; do
		log "lighttpd $mode run $r/$RUNS (wrk ${WRK_SECS}s at -c10, then -c1)"
		serve_and_measure "$mode"
	done
done

# shellcheck disable=SC2086 # word splitting wanted: lists of numbers
{
	nr=$(median ${rps10[native]}) dr=$(median ${rps10[dmvx]})
	nl=$(median ${lat1[native]}) dl=$(median ${lat1[dmvx]})
	nc=$(median ${cpu10[native]}) dc=$(median ${cpu10[dmvx]})
}
echo "## lighttpd, 4 KiB file, wrk -t1 -d${WRK_SECS}s"
echo
echo "| metric | native | dmvx | dmvx vs native |"
echo "|---|---:|---:|---:|"
echo "| throughput, -c10 (req/s) | $nr | $dr | $(awk -v a="$dr" -v b="$nr" 'BEGIN { printf "%.1f", a / b * 100 }')% kept |"
echo "| mean latency, -c1 (us) | $nl | $dl | $(awk -v a="$dl" -v b="$nl" 'BEGIN { printf "%+.1f", (a / b - 1) * 100 }')% |"
echo "| server CPU per request, -c10 (us) | $nc | $dc | $(ratio "$dc" "$nc")x |"
if [ -s "$tmp/stats" ]; then
	echo
	echo "\`dmvx --stats\` of the last lighttpd run:"
	echo
	echo '```'
	cat "$tmp/stats"
	echo '```'
fi
