# Shell helpers shared by scripts/demo.sh and bench/run.sh: a throw-away
# lighttpd site on a free loopback port, and starting and stopping a server
# that we started (by its pid, never by name). Source it; it defines only
# functions.

# free_port prints a TCP port on 127.0.0.1 that is free right now.
free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# make_site DIR PORT: a 4 KiB file of random bytes at DIR/www/file.bin and
# DIR/lighttpd.conf serving it on 127.0.0.1:PORT, logging to DIR/error.log.
make_site() {
	local dir=$1 port=$2
	mkdir -p "$dir/www"
	[ -f "$dir/www/file.bin" ] || head -c 4096 /dev/urandom >"$dir/www/file.bin"
	cat >"$dir/lighttpd.conf" <<-CONF
		server.document-root = "$dir/www"
		server.bind = "127.0.0.1"
		server.port = $port
		server.errorlog = "$dir/error.log"
	CONF
}

# wait_http URL SECONDS PID: waits until URL answers, giving up after SECONDS
# or as soon as PID is gone. Returns 0 once it answers.
wait_http() {
	local url=$1 secs=$2 pid=$3 end=$((SECONDS + $2))
	while [ "$SECONDS" -lt "$end" ]; do
		curl -sS --max-time 2 -o /dev/null "$url" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

# stop_pid PID [SECONDS]: SIGTERM, then SIGKILL after SECONDS (default 15)
# if it is still there. Sets STOP_STATUS to its exit status.
stop_pid() {
	local pid=$1 secs=${2:-15} i
	STOP_STATUS=
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "warning: pid $pid ignored SIGTERM for ${secs}s: SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	STOP_STATUS=0
	wait "$pid" 2>/dev/null || STOP_STATUS=$?
}

# scratch_dir NAME: sets tmp to a fresh directory, removed when the script
# exits, with the server whose pid is in server_pid (if any) stopped first.
scratch_dir() {
	tmp=$(mktemp -d "/tmp/dmvx-$1.XXXXXX")
	server_pid=
	trap 'if [ -n "$server_pid" ]; then stop_pid "$server_pid" 5; fi; rm -rf "$tmp"' EXIT
	trap 'exit 130' INT TERM
}
