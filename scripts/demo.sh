#!/usr/bin/env bash
# A guided tour of dmvx for a newcomer: a web server running as two variants
# that agree, a small program whose variants disagree, and a follower run by
# an agent (on loopback, standing in for another host). Run it through
# `make demo`, which installs what is missing and builds first.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

DMVX=${DMVX:-bin/dmvx}
for f in "$DMVX" testdata/bin/leak_ptr; do
	[ -x "$f" ] || { echo "demo: $f missing: run make build first" >&2; exit 1; }
done

scratch_dir demo

bold=; plain=
if [ -t 1 ]; then bold=$(tput bold 2>/dev/null || true) plain=$(tput sgr0 2>/dev/null || true); fi
say() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
show() { printf '%s$ %s%s\n' "$bold" "$*" "$plain"; }

cat <<'TXT'
dmvx runs one program as several *variants* at once: here two copies of the
same binary, which differ in their memory layout (ASLR). A monitor stops every
system call that each variant makes, checks that all variants make the same
call with the same arguments, lets the real I/O happen once, and hands its
results to every variant. An attack that depends on an address (a leaked
pointer, a hijacked branch) makes the variants disagree, and dmvx stops the
program at the first differing call, before it reaches the outside world.
TXT

say "1. A web server, lighttpd, as 2 variants: they agree on everything."
port=$(free_port)
make_site "$tmp/site" "$port"
printf '<h1>Hello from dmvx</h1>\n<p>Served by lighttpd running as 2 variants in lockstep.</p>\n' >"$tmp/site/www/index.html"
show "$DMVX run -n 2 --stats -- /usr/sbin/lighttpd -D -f $tmp/site/lighttpd.conf &"
"$DMVX" run -n 2 --stats -- /usr/sbin/lighttpd -D -f "$tmp/site/lighttpd.conf" 2>"$tmp/server.err" &
server_pid=$!
if ! wait_http "http://127.0.0.1:$port/index.html" 60 "$server_pid"; then
	echo "demo: lighttpd under dmvx did not answer; dmvx said:" >&2
	cat "$tmp/server.err" >&2
	exit 1
fi

say "Fetching the page with curl: one response, written once by the leader variant."
show "curl -sS http://127.0.0.1:$port/index.html"
curl -sS --max-time 10 "http://127.0.0.1:$port/index.html"
for i in 1 2 3 4 5; do curl -sS --max-time 10 -o /dev/null "http://127.0.0.1:$port/file.bin"; done
echo "(and 5 more requests for a 4 KiB file)"

say "Stopping it with SIGTERM: dmvx passes the signal to the variants and exits as lighttpd does."
show "kill -TERM $server_pid"
stop_pid "$server_pid"
server_pid=
echo "dmvx exit status: $STOP_STATUS (lighttpd alone exits 0 on SIGTERM)"
echo "What dmvx saw (--stats):"
grep '^dmvx:' "$tmp/server.err" || echo "(no stats printed)"

say "2. A program that prints the address of a stack variable."
echo "Natively it prints a pointer, different on every run because of ASLR:"
show "testdata/bin/leak_ptr"
testdata/bin/leak_ptr
echo "Under dmvx the two variants try to write different bytes: that is a divergence,"
echo "reported on stderr:"
report=$tmp/leak_ptr-report.json
show "$DMVX run -n 2 --report $report -- testdata/bin/leak_ptr"
status=0
timeout 60 "$DMVX" run -n 2 --report "$report" -- testdata/bin/leak_ptr || status=$?
if [ "$status" = 86 ]; then
	echo "exit status: 86, divergence: the variants were stopped and no pointer reached stdout."
else
	echo "exit status: $status (dmvx should have exited 86, divergence)"
fi

if [ -s "$report" ]; then
	say "The divergence part of the JSON report:"
	/usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
d = r.get("divergence") or {}
for v in d.get("variants", []):
    h = v.get("history", [])
    if len(h) > 3:
        v["history"] = ["... %d earlier calls ..." % (len(h) - 3)] + h[-3:]
print(json.dumps({"outcome": r.get("outcome"), "exit_code": r.get("exit_code"), "divergence": d}, indent=2))
' "$report"
fi

say "3. A follower on another host: here the agent listens on loopback, as it would on a second machine."
pki=$tmp/pki
show "$DMVX certs init $pki && $DMVX certs issue $pki 127.0.0.1 leader"
"$DMVX" certs init "$pki" 2>&1
"$DMVX" certs issue "$pki" 127.0.0.1 leader 2>&1
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
show "$DMVX agent --listen 127.0.0.1:$port --cert $pki/127.0.0.1.crt --key $pki/127.0.0.1.key --ca $pki/ca.crt --allow /usr/bin/sha256sum &"
"$DMVX" agent --listen "127.0.0.1:$port" --cert "$pki/127.0.0.1.crt" --key "$pki/127.0.0.1.key" \
	--ca "$pki/ca.crt" --allow /usr/bin/sha256sum --log-level warn &
agent=$!
sleep 0.5
show "$DMVX run --follower 127.0.0.1:$port --cert $pki/leader.crt --key $pki/leader.key --ca $pki/ca.crt --stats -- sha256sum /usr/bin/ls"
status=0
timeout 60 "$DMVX" run --follower "127.0.0.1:$port" --cert "$pki/leader.crt" --key "$pki/leader.key" \
	--ca "$pki/ca.crt" --stats -- /usr/bin/sha256sum /usr/bin/ls 2>"$tmp/remote.err" || status=$?
grep 'follower hosts' "$tmp/remote.err" || cat "$tmp/remote.err"
echo "dmvx exit status: $status. The follower ran under the agent, over mutual TLS; docs/hosts.md sets it up on real machines."
kill "$agent" 2>/dev/null || true
wait "$agent" 2>/dev/null || true

say "Done. More: README.md, docs/architecture.md, docs/hosts.md, docs/syscalls.md; make test; make bench."
