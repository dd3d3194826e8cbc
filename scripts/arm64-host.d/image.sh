# shellcheck shell=bash disable=SC2154 # here, out, cache, scratch: the caller's
# The recipe of the emulated arm64 host's base image (docs/arm64-host.md):
# sourced by scripts/arm64-host, which calls build_image. Its own text is
# one of the image's inputs (see image_inputs), so that a change here
# rebuilds the image and a change to the rest of scripts/arm64-host does
# not.
#
# Expects from the caller: here (this directory), out (build/arm64-host),
# cache (the .deb cache), scratch (an empty directory of its own), die,
# note.

# apt_arm64 sets apt_opts to the options that make apt-get and apt-cache
# resolve and fetch for an empty arm64 system: a dpkg status of its own,
# empty (so apt pulls the whole dependency closure, not what this host
# has), arm64 as the only architecture, no Recommends, the .deb cache as
# apt's archive directory. Its binary caches go next to that status, not
# over /var/cache/apt's (made from the host's status); kept, they spare
# each apt run a second of reading the lists.
apt_arm64() {
	local st=${cache%/*}/arm64-apt
	mkdir -p "$st"
	[ -f "$st/status" ] || : >"$st/status"
	apt_opts=(
		-o "Dir::State::status=$st/status"
		-o "Dir::State::extended_states=$st/extended_states"
		-o APT::Architecture=arm64 -o APT::Architectures::=arm64
		-o APT::Install-Recommends=false -o APT::Install-Suggests=false
		-o "Dir::Cache::archives=$cache"
		-o "Dir::Cache::pkgcache=$st/pkgcache.bin" -o "Dir::Cache::srcpkgcache=$st/srcpkgcache.bin"
	)
}

# strip_comments FILE: its lines without comments and blank lines.
strip_comments() { sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$1"; }

# resolve_packages: prints "NAME VERSION ARCH" for every package of the
# closure of $here/packages, in apt's install order, then "NAME VERSION
# arm64 kernel" for the kernel's versioned package (linux-image-arm64 is
# only a metapackage naming it).
resolve_packages() {
	local sim kpkg kver
	# shellcheck disable=SC2046 # one package name a word
	sim=$(apt-get "${apt_opts[@]}" -s install $(strip_comments "$here/packages")) ||
		die "apt cannot resolve $here/packages for arm64 (see above)"
	# "Inst libc6 (2.36-9+deb12u14 Debian:12.15/oldstable [arm64]) []"
	sed -n 's/^Inst \([^ ]*\) (\([^ ]*\) .*\[\([a-z0-9]*\)\]).*/\1 \2 \3/p' <<<"$sim"
	kpkg=$(apt-cache "${apt_opts[@]}" depends --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances linux-image-arm64 |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
	[ -n "$kpkg" ] || die "apt knows no linux-image-arm64 for arm64"
	kver=$(apt-cache "${apt_opts[@]}" policy "$kpkg" | awk '$1 == "Candidate:" { print $2 }')
	case $kver in "" | "(none)") die "apt has no candidate for $kpkg" ;; esac
	echo "$kpkg $kver arm64 kernel"
}

# deb_file NAME VERSION ARCH: the file apt keeps that package in.
deb_file() { echo "$cache/${1}_${2//:/%3a}_$3.deb"; }

# image_inputs MANIFEST: everything the image is made of, one line each;
# its hash names the image. The apt manifest pins every package version
# (a .deb of one version is one file: apt checks its hash against the
# signed index), and these files are the rest of the recipe.
image_inputs() {
	cat "$1"
	(cd "$here" && find image.sh packages modules rootfs -type f -print0 | LC_ALL=C sort -z |
		xargs -0 sha256sum)
	(cd "$here" && find rootfs -type f -perm -u+x | LC_ALL=C sort | sed 's/^/executable /')
	echo "SOURCE_DATE_EPOCH=$epoch"
}

# build_image: makes $out/base.cpio and $out/vmlinuz, unless the ones there
# were made from the same inputs.
build_image() {
	local st=$scratch manifest stamp want epoch
	mkdir -p "$out" "$cache/partial"
	apt_arm64

	manifest=$st/manifest
	resolve_packages >"$manifest"
	epoch=${SOURCE_DATE_EPOCH:-0}
	want=$(image_inputs "$manifest" | sha256sum | cut -c1-64)
	stamp=$out/base.stamp
	if [ -f "$out/base.cpio" ] && [ -f "$out/vmlinuz" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
		note "image up to date: $out/base.cpio ($(grep -cv ' kernel$' "$out/manifest") packages and $(awk '$4 == "kernel" { print $1 }' "$out/manifest"))"
		return 0
	fi
	rm -f "$stamp"
	fetch_debs "$manifest"
	same_versions_as_amd64 "$manifest"
	assemble "$manifest" "$st/root" "$st/kernel"
	cp "$manifest" "$out/manifest"
	echo "$want" >"$stamp"
	note "image built: $out/base.cpio ($(du -h "$out/base.cpio" | cut -f1)), $out/vmlinuz, sha256 $(sha256sum "$out/base.cpio" | cut -c1-16)"
}

# fetch_debs MANIFEST: what the cache lacks, from the apt sources of this
# host, hashes checked by apt.
fetch_debs() {
	local name ver arch kind missing=0 dl
	while read -r name ver arch kind; do
		[ -f "$(deb_file "$name" "$ver" "$arch")" ] || missing=1
	done <"$1"
	[ "$missing" = 1 ] || return 0
	note "fetching .debs into $cache"
	# shellcheck disable=SC2046
	apt-get "${apt_opts[@]}" -q -y --download-only install $(strip_comments "$here/packages") </dev/null >&2 ||
		die "apt-get --download-only failed"
	# The kernel alone, without the dependencies it has on an installed
	# system (kmod, initramfs-tools, ...): apt-get download. Into partial/,
	# which apt made its sandbox user's, then into the cache.
	while read -r name ver arch kind; do
		[ "$kind" = kernel ] || continue
		[ -f "$(deb_file "$name" "$ver" "$arch")" ] && continue
		dl=$(mktemp -d "$cache/partial/kernel.XXXXXX")
		chown _apt "$dl" 2>/dev/null || true
		(cd "$dl" && apt-get "${apt_opts[@]}" -q download "$name=$ver" >&2) || die "apt-get download $name=$ver failed"
		mv "$dl"/*.deb "$cache/" && rmdir "$dl"
	done <"$1"
	while read -r name ver arch kind; do
		[ -f "$(deb_file "$name" "$ver" "$arch")" ] || die "not in $cache after apt: $name $ver $arch"
	done <"$1"
}

# same_versions_as_amd64 MANIFEST: notes each package whose arm64 version
# is not the one apt gives for amd64 (a binNMU's +bN is such a difference,
# and harmless; an arm64 build that lags behind is not).
same_versions_as_amd64() {
	local names
	names=$(awk '$3 == "arm64" && $4 != "kernel" { print $1 ":amd64" }' "$1")
	# shellcheck disable=SC2086 # one name a word
	apt-cache policy $names 2>/dev/null | awk '/^[^ ].*:amd64:$/ { n = $1; sub(/:amd64:$/, "", n) }
		$1 == "Candidate:" { print n, $2 }' |
		while read -r name amd; do
			ver=$(awk -v n="$name" '$1 == n { print $2 }' "$1")
			if [ "$amd" != "(none)" ] && [ "$amd" != "$ver" ]; then
				note "note: $name is $ver on arm64, $amd on amd64"
			fi
		done
}

# assemble MANIFEST ROOT KERNEL: the tree, then the archive.
assemble() {
	local manifest=$1 root=$2 kroot=$3 name ver arch kind kdeb d kv f m
	rm -rf "$root" "$kroot"
	mkdir -p "$root" "$kroot"
	while read -r name ver arch kind; do
		if [ "$kind" = kernel ]; then
			kdeb=$(deb_file "$name" "$ver" "$arch")
			continue
		fi
		dpkg-deb -x "$(deb_file "$name" "$ver" "$arch")" "$root"
	done <"$manifest"

	# Debian 12's merged /usr: /bin, /sbin and /lib are links into /usr.
	# Packages still ship files under /bin and /lib (bash's /bin/bash, the
	# loader /lib/ld-linux-aarch64.so.1), as dpkg on a merged system puts
	# them through the links: fold them into /usr, then link.
	for d in bin sbin lib; do
		if [ -d "$root/$d" ] && [ ! -L "$root/$d" ]; then
			mkdir -p "$root/usr/$d"
			cp -a "$root/$d/." "$root/usr/$d/"
			rm -rf "${root:?}/$d"
		fi
		mkdir -p "$root/usr/$d"
		ln -s "usr/$d" "$root/$d"
	done

	# Documentation is not needed to run anything.
	rm -rf "$root"/usr/share/{doc,man,info,locale,lintian,bug}

	# The kernel: vmlinuz, and the modules /init loads with what they need.
	dpkg-deb -x "$kdeb" "$kroot"
	kv=$(ls "$kroot/lib/modules")
	[ "$(wc -w <<<"$kv")" = 1 ] || die "$kdeb: not one kernel version in lib/modules: $kv"
	depmod -b "$kroot" "$kv"
	copy_modules "$kroot/lib/modules/$kv" "$root/usr/lib/modules/$kv"
	depmod -b "$root" "$kv"
	strip_comments "$here/modules" >"$root/etc/dmvx-modules"

	# Users, /init, the guest's services: rootfs/ over the packages, with
	# modes of their own (git keeps only the x bit; the checkout's umask
	# gives the rest).
	(cd "$here/rootfs" && find . -type f) | while read -r f; do
		if [ -x "$here/rootfs/$f" ]; then m=0755; else m=0644; fi
		install -D -m "$m" "$here/rootfs/$f" "$root/$f"
	done
	mkdir -p "$root"/{dev,proc,sys,tmp,run,root,var/tmp,var/log,var/www,opt/dmvx/bin}
	chmod 1777 "$root/tmp" "$root/var/tmp"
	chmod 0700 "$root/root"
	# The kernel opens /dev/console for /init before anything is mounted.
	mknod -m 0600 "$root/dev/console" c 5 1 2>/dev/null || true
	mkdir -p "$root/etc/dmvx"
	allow_list "$root" "$manifest" >"$root/etc/dmvx/allow"
	# tzdata's postinst would make this link (to Etc/UTC unless told
	# otherwise); nothing runs postinsts here.
	ln -sf /usr/share/zoneinfo/Etc/UTC "$root/etc/localtime"

	# One archive, the same bytes for the same inputs: sorted names, one
	# owner, one time, inode numbers renumbered.
	find "$root" -exec touch -h -d "@$epoch" {} +
	(cd "$root" && find . -print0 | LC_ALL=C sort -z |
		cpio --null --quiet -o -H newc --reproducible -R 0:0) >"$out/base.cpio.tmp"
	mv "$out/base.cpio.tmp" "$out/base.cpio"
	cp "$kroot/boot/vmlinuz-$kv" "$out/vmlinuz.tmp"
	mv "$out/vmlinuz.tmp" "$out/vmlinuz"
	rm -rf "$root" "$kroot"
}

# copy_modules FROM TO: the modules named in $here/modules and, from FROM's
# modules.dep, every module they need; and the lists modprobe reads.
copy_modules() {
	local from=$1 to=$2 m line f
	mkdir -p "$to"
	for m in $(strip_comments "$here/modules"); do
		# "kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko ..."
		# A module's name has _ where its file may have -.
		line=$(awk -v m="$m" '{ f = $1; sub(/:$/, "", f); n = f; sub(/.*\//, "", n); sub(/\.ko.*$/, "", n);
			gsub(/-/, "_", n); if (n == m) { print; exit } }' "$from/modules.dep")
		[ -n "$line" ] || die "module $m: not in modules.dep of $from (built in? then drop it from $here/modules)"
		for f in ${line/:/}; do
			mkdir -p "$to/$(dirname "$f")"
			cp "$from/$f" "$to/$f"
		done
	done
	cp "$from"/modules.{order,builtin,builtin.modinfo} "$to/"
}

# allow_list ROOT MANIFEST: every executable of the packages tests run on
# the agent (coreutils, bash, dash, lighttpd), under both of its names
# (/usr/bin/cat and /bin/cat): the agent compares the path the leader gives
# as it is.
allow_list() {
	local root=$1 manifest=$2 name ver arch kind p n d
	while read -r name ver arch kind; do
		case $name in coreutils | bash | dash | lighttpd) ;; *) continue ;; esac
		dpkg-deb -c "$(deb_file "$name" "$ver" "$arch")" | awk '{ print $6 }' |
			grep -E '^\./(usr/)?s?bin/[^/]+$' |
			while read -r p; do
				n=${p##*/}
				d=${p%/*}
				d=${d##*/}
				if [ -f "$root/usr/$d/$n" ] && [ -x "$root/usr/$d/$n" ]; then
					echo "/usr/$d/$n"
					echo "/$d/$n"
				fi
			done
	done <"$manifest" | LC_ALL=C sort -u
}
