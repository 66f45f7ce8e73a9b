#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch Debian packages the system's apt sources do not carry, through a
# private apt configuration (its own sources list, lists and archive cache
# under $GV_CACHE/apt). The system's apt setup is never modified.
#
#   debian-fetch.sh kernel   unpack linux-source-$GV_KSERIES, print the tree path
#   debian-fetch.sh busybox  unpack busybox-static:arm64, print the binary path
#   debian-fetch.sh khc      unpack kernel-hardening-checker, print its root

set -euo pipefail
. "$(dirname "$0")/common.sh"

APT_DIR="$GV_CACHE/apt"

# Debian archive base URI: the system's own mirror, so local mirrors work.
mirror() {
	if [ -n "${GV_DEBIAN_MIRROR:-}" ]; then
		echo "$GV_DEBIAN_MIRROR"
		return
	fi
	local m
	m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security |
		head -1 | tr -d ' ')
	[ -n "$m" ] || die "cannot find a Debian mirror in /etc/apt; set GV_DEBIAN_MIRROR"
	echo "${m%/}"
}

apt_private() {
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/archives/partial" "$APT_DIR/etc"
	local m
	m=$(mirror)
	cat >"$APT_DIR/etc/sources.list.new" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $m bookworm main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $m trixie-backports main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $m sid main
SRC
	mv "$APT_DIR/etc/sources.list.new" "$APT_DIR/etc/sources.list"
	APT_OPTS=(
		-o "Dir::Etc::SourceList=$APT_DIR/etc/sources.list"
		-o "Dir::Etc::SourceParts=-"
		-o "Dir::State::Lists=$APT_DIR/lists"
		-o "Dir::State::Status=$APT_DIR/status"
		-o "Dir::Cache=$APT_DIR/cache"
		-o "Dir::Cache::Archives=$APT_DIR/archives"
		-o "APT::Architectures::=amd64" -o "APT::Architectures::=arm64"
		-o "Debug::NoLocking=1" -o "APT::Sandbox::User=root"
	)
	touch "$APT_DIR/status"
	mkdir -p "$APT_DIR/cache"
	# Refresh the lists at most once a day.
	if [ -z "$(find "$APT_DIR/lists" -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
		log "refreshing private apt lists (bookworm, trixie-backports, sid)"
		apt-get "${APT_OPTS[@]}" update -qq >/dev/null ||
			die "private apt update failed (mirror $m)"
	fi
}

# download PKG [DIR]: fetch the .deb into DIR, print its path.
download() {
	local pkg=$1 dir=${2:-$APT_DIR/debs}
	mkdir -p "$dir"
	(cd "$dir" && apt-get "${APT_OPTS[@]}" download -qq "$pkg" >/dev/null) ||
		die "apt-get download $pkg failed"
	local name=${pkg%%:*} ver arch=amd64
	case $pkg in *:arm64) arch=arm64 ;; esac
	ver=$(apt-cache "${APT_OPTS[@]}" show "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | head -1)
	ls "$dir/${name}_${ver//:/%3a}_"*.deb 2>/dev/null | head -1
}

candidate() {
	apt-cache "${APT_OPTS[@]}" policy "$1" 2>/dev/null | sed -n 's/ *Candidate: //p'
}

# git_base TREE MESSAGE: make TREE a git repository with one commit holding
# every file (ignored ones too: this is the released source), tagged
# gv-base, HEAD detached there. Our own marker files stay untracked.
git_base() {
	local g=(git -C "$1" -c user.name=ghaf-virt -c user.email=ghaf-virt@localhost
		-c core.looseCompression=1 -c gc.auto=0)
	rm -rf "$1/.git"
	"${g[@]}" init -q
	printf '/.gv-*\n' >>"$1/.git/info/exclude"
	"${g[@]}" add -A -f
	"${g[@]}" commit -q -m "$2"
	"${g[@]}" tag gv-base
	"${g[@]}" checkout -q --detach gv-base
}

fetch_kernel() {
	apt_private
	local pkg="linux-source-$GV_KSERIES" ver
	ver=$(candidate "$pkg")
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		local have
		have=$(apt-cache "${APT_OPTS[@]}" search --names-only '^linux-source-[0-9.]+$' |
			awk '{print $1}' | sed 's/linux-source-//' | sort -V | tr '\n' ' ')
		die "Debian no longer carries linux-source-$GV_KSERIES; series it carries: ${have:-none}" \
			"(set GV_KSERIES, or KDIR= to use your own tree)"
	fi
	local tree="$GV_CACHE/src/linux-${ver//\~/_}"
	# The tree is a git repository whose tag gv-base is the pristine
	# source: scripts/apply-series.sh applies the patch series on top with
	# git am. A tree unpacked by an older checkout (no gv-base; the project
	# was linked into it) is unpacked again; the archive's timestamps are
	# kept, so builds in the cache stay incremental.
	if [ ! -f "$tree/.gv-unpacked" ] ||
		! git -C "$tree" rev-parse -q --verify gv-base >/dev/null 2>&1; then
		log "fetching Debian linux-source-$GV_KSERIES $ver"
		local deb tmp
		deb=$(download "$pkg")
		[ -n "$deb" ] || die "downloaded $pkg but cannot find the .deb"
		mkdir -p "$GV_CACHE/src"
		tmp=$(mktemp -d "$GV_CACHE/src/.unpack.XXXXXX")
		dpkg-deb -x "$deb" "$tmp"
		local tarball
		tarball=$(ls "$tmp"/usr/src/linux-source-*.tar.* | head -1)
		rm -rf "$tree"
		mkdir -p "$tree"
		tar -xf "$tarball" -C "$tree" --strip-components=1
		rm -rf "$tmp" "$deb"
		log "recording the pristine tree in git (tag gv-base)"
		git_base "$tree" "Debian linux-source-$GV_KSERIES $ver"
		echo "$ver" >"$tree/.gv-debian-version"
		touch "$tree/.gv-unpacked"
	fi
	log "kernel source: Debian linux-source-$GV_KSERIES $ver"
	echo "$tree"
}

fetch_busybox() {
	local out="$GV_CACHE/busybox/busybox"
	if [ ! -x "$out" ]; then
		apt_private
		log "fetching busybox-static:arm64 $(candidate busybox-static:arm64)"
		local deb tmp
		deb=$(download busybox-static:arm64)
		tmp=$(mktemp -d)
		dpkg-deb -x "$deb" "$tmp"
		mkdir -p "$(dirname "$out")"
		local bin
		bin=$(find "$tmp" -type f -path "*bin/busybox" | head -1)
		[ -n "$bin" ] || die "busybox-static:arm64 has no busybox binary"
		cp "$bin" "$out"
		rm -rf "$tmp" "$deb"
	fi
	echo "$out"
}

fetch_khc() {
	local root="$GV_CACHE/khc"
	if [ ! -x "$root/usr/bin/kernel-hardening-checker" ]; then
		apt_private
		log "fetching kernel-hardening-checker $(candidate kernel-hardening-checker)"
		local deb
		deb=$(download kernel-hardening-checker)
		rm -rf "$root"
		mkdir -p "$root"
		dpkg-deb -x "$deb" "$root"
		rm -f "$deb"
	fi
	echo "$root"
}

case ${1:-} in
kernel) fetch_kernel ;;
busybox) fetch_busybox ;;
khc) fetch_khc ;;
*) die "usage: $0 kernel|busybox|khc" ;;
esac
