#!/usr/bin/env bash
# A real exploit, watched: testdata/vulnsvc (a deliberately vulnerable
# service) is taken over natively, then runs under dmvx, where the same
# exploit is stopped; last, a data-only attack that MVX does not stop.
# Run it through `make demo-attack`, which builds first. docs/security.md
# explains what is shown.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

DMVX=${DMVX:-bin/dmvx}
SVC=testdata/bin/vulnsvc
EXPLOIT=${EXPLOIT:-bin/exploit}
for f in "$DMVX" "$SVC" "$EXPLOIT"; do
	[ -x "$f" ] || { echo "demo-attack: $f missing: run make demo-attack (it builds first)" >&2; exit 1; }
done

scratch_dir demo-attack

bold=; plain=
if [ -t 1 ]; then bold=$(tput bold 2>/dev/null || true) plain=$(tput sgr0 2>/dev/null || true); fi
say() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
show() { printf '%s$ %s%s\n' "$bold" "$*" "$plain"; }

# start_svc CMD...: starts the service (or dmvx running it) with its
# output in $tmp/svc.out and .err, and sets port once it listens.
start_svc() {
	: >"$tmp/svc.out"
	"$@" 0 >"$tmp/svc.out" 2>"$tmp/svc.err" &
	server_pid=$!
	port=
	for _ in $(seq 100); do
		port=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$tmp/svc.out")
		[ -n "$port" ] && return 0
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "demo-attack: the service did not start:" >&2
	cat "$tmp/svc.err" >&2
	exit 1
}

# end_svc: waits (at most 15 s) for the service to exit; sets STOP_STATUS.
end_svc() {
	local i
	for ((i = 0; i < 150; i++)); do
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	stop_pid "$server_pid" 1
	server_pid=
}

libc=$(ldd "$SVC" | sed -n 's/.*libc\.so\.6 => \([^ ]*\).*/\1/p')
marker=$tmp/PWNED

cat <<TXT
testdata/vulnsvc is a small network service with two memory-safety bugs:
PEEK reads past a 64-byte buffer (an information leak), and DATA writes
past it (an overflow). Right after the buffer sits a function pointer (to
libc's puts) that QUIT calls with the session's note. The exploit leaks
that pointer to find libc despite ASLR, writes "touch $marker" as the
note, overwrites the pointer with libc's system, and sends QUIT.
TXT

say "1. Natively: the exploit takes the service over."
start_svc "$SVC"
show "exploit hijack 127.0.0.1:$port $libc 'touch $marker'"
"$EXPLOIT" hijack "127.0.0.1:$port" "$libc" "touch $marker" || true
"$EXPLOIT" shutdown "127.0.0.1:$port" >/dev/null 2>&1 || true
end_svc
if [ -e "$marker" ]; then echo "=> $marker exists: the attacker ran a command of their choice."; else echo "=> no marker (unexpected)"; fi
rm -f "$marker"

say "2. Under dmvx, 2 variants with their own address layouts: the same exploit."
show "$DMVX run -n 2 -- $SVC 0 &"
start_svc "$DMVX" run -n 2 -- "$SVC"
show "exploit hijack 127.0.0.1:$port $libc 'touch $marker'"
"$EXPLOIT" hijack "127.0.0.1:$port" "$libc" "touch $marker" || true
end_svc
echo "dmvx exit status: $STOP_STATUS (86: the variants diverged)"
echo "What dmvx said:"
grep -m 3 '^dmvx:' "$tmp/svc.err" || true
if [ -e "$marker" ]; then echo "=> $marker exists (unexpected)"; else echo "=> no marker: the leak's answer differed between the variants, and dmvx killed them all."; fi

cat <<'TXT'

(At the default policy, socket-rw, the leader writes to sockets without
waiting for the followers: its answer can reach the attacker before a
follower's differs, and the attacker can even send the overflow. The
hijacked leader is still stopped at its first call inside system, which
waits for the followers, and a follower's differing write ends the run.
--policy socket-ro or stricter checks every socket write first: then the
leaked pointer never leaves.)
TXT

say "3. A data-only attack, which MVX does not stop: LOGIN's overflow sets an administrator flag."
show "$DMVX run -n 2 -- $SVC 0 &"
start_svc "$DMVX" run -n 2 -- "$SVC"
show "exploit escalate 127.0.0.1:$port"
"$EXPLOIT" escalate "127.0.0.1:$port" || true
"$EXPLOIT" shutdown "127.0.0.1:$port" >/dev/null 2>&1 || true
end_svc
echo "dmvx exit status: $STOP_STATUS"
echo "=> the same bytes do the same thing in every variant: no address is involved, so"
echo "   nothing differs for dmvx to see. docs/security.md says which attacks MVX stops."
