#!/usr/bin/env bash
# Installs, with apt-get, the Debian packages that building, testing, the demo
# and the benchmarks need, and only when one is missing. Go is expected in
# /usr/local/go (it is not a Debian package here).
set -euo pipefail

# Debian package -> a file it installs that we use.
declare -A need=(
	[gcc]=/usr/bin/gcc
	[libc6-dev]=/usr/include/stdio.h
	[make]=/usr/bin/make
	[strace]=/usr/bin/strace
	[lighttpd]=/usr/sbin/lighttpd
	[curl]=/usr/bin/curl
	[wrk]=/usr/bin/wrk
	[python3]=/usr/bin/python3
	[coreutils]=/usr/bin/sha256sum
	[bash]=/usr/bin/bash
	[iproute2]=/usr/sbin/ip
	[procps]=/usr/bin/pgrep
	# dmvx, its launcher and the test programs for arm64 hosts
	# (docs/cross-isa.md); the emulated arm64 host's own packages are
	# scripts/arm64-host's to install.
	[gcc-aarch64-linux-gnu]=/usr/bin/aarch64-linux-gnu-gcc
	[libc6-dev-arm64-cross]=/usr/aarch64-linux-gnu/include/stdio.h
)

missing=()
for pkg in "${!need[@]}"; do
	if [ ! -x "${need[$pkg]}" ] && [ ! -f "${need[$pkg]}" ]; then
		missing+=("$pkg")
	elif ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$pkg")
	fi
done

if [ "${#missing[@]}" -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -q
	"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
else
	echo "deps: all packages present"
fi

# lighttpd's package may start a system-wide server on port 80; the tests and
# benchmarks start their own on free high ports and need no other.

if ! PATH=/usr/local/go/bin:$PATH command -v go >/dev/null; then
	echo "deps: Go not found in /usr/local/go/bin or on PATH; install Go 1.26 there" >&2
	exit 1
fi
