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
	if [ ! -f "$tree/.gv-unpacked" ]; then
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
