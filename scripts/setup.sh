#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything the build and the QEMU test run need, idempotently:
# the LLVM toolchain, kernel build dependencies, QEMU, dtc, the aarch64 cross
# libc, Sphinx and yamllint (for the documentation and binding checks),
# Rust's rust-src, a pinned bindgen-cli and a pinned dtschema (in a
# virtualenv under the cache, never the system python). Nothing is installed
# when it is already present, so a second run takes a few seconds.

set -euo pipefail
. "$(dirname "$0")/common.sh"

APT_PKGS=(
	"clang-$GV_LLVM_VER" "lld-$GV_LLVM_VER" "llvm-$GV_LLVM_VER"
	"libclang-$GV_LLVM_VER-dev"
	bc bison flex cpio git kmod rsync xz-utils zstd libelf-dev libssl-dev
	python3 python3-venv perl make
	qemu-system-arm device-tree-compiler
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	python3-sphinx python3-yaml yamllint
)

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		die "need root (or sudo) to run: $*"
	fi
}

if [ -n "${GV_SKIP_PACKAGES:-}" ]; then
	log "GV_SKIP_PACKAGES set: not checking the system packages"
	APT_PKGS=()
elif ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
	die "this is not a Debian or Ubuntu machine (no dpkg/apt-get), so nothing can be" \
		"installed automatically. Install the equivalents of: ${APT_PKGS[*]};" \
		"and Rust through rustup (https://rustup.rs). Then run again with GV_SKIP_PACKAGES=1."
fi

missing=()
for p in "${APT_PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing Debian packages: ${missing[*]}"
	as_root apt-get update -qq ||
		die "apt-get update failed; check the machine's Debian sources"
	for p in "${missing[@]}"; do
		apt-cache show "$p" >/dev/null 2>&1 ||
			die "Debian package '$p' is not available from this machine's sources" \
				"(LLVM >= 17 is required; on Debian 12 clang-$GV_LLVM_VER comes from bookworm-security)"
	done
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install failed for: ${missing[*]}"
fi

command -v rustup >/dev/null ||
	die "rustup not found: install Rust with rustup (https://rustup.rs; stable >= 1.85)," \
		"then run again; the build adds the targets and components it needs"
# gzhyp (gzvm/hyp/), the test hypervisor, is bare-metal Rust for this target.
if ! rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-none; then
	log "adding the aarch64-unknown-none target"
	rustup target add aarch64-unknown-none || die "rustup target add aarch64-unknown-none failed"
fi
if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
	log "adding rust-src"
	rustup component add rust-src || die "rustup component add rust-src failed"
fi
for c in rustfmt clippy; do
	rustup component list --installed 2>/dev/null | grep -q "^$c" ||
		rustup component add "$c" || die "rustup component add $c failed"
done

if ! bindgen --version 2>/dev/null | grep -q " $GV_BINDGEN_VER\$"; then
	log "installing bindgen-cli $GV_BINDGEN_VER"
	cargo install --locked --quiet bindgen-cli --version "$GV_BINDGEN_VER" ||
		die "cargo install bindgen-cli $GV_BINDGEN_VER failed"
fi

# dt-validate and friends (dtschema from PyPI) for the device-tree check,
# with every dependency pinned (scripts/dt-requirements.txt).
venv="$GV_CACHE/venv"
if [ "$("$venv/bin/dt-validate" -V 2>/dev/null)" != "$GV_DTSCHEMA_VER" ] ||
	! cmp -s "$GV_ROOT/scripts/dt-requirements.txt" "$venv/.gv-requirements"; then
	log "installing dtschema $GV_DTSCHEMA_VER into $venv"
	rm -rf "$venv"
	python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
	"$venv/bin/pip" install -q --disable-pip-version-check \
		-r "$GV_ROOT/scripts/dt-requirements.txt" ||
		die "pip install of dtschema $GV_DTSCHEMA_VER into $venv failed"
	[ "$("$venv/bin/dt-validate" -V)" = "$GV_DTSCHEMA_VER" ] ||
		die "scripts/dt-requirements.txt does not pin dtschema $GV_DTSCHEMA_VER"
	cp "$GV_ROOT/scripts/dt-requirements.txt" "$venv/.gv-requirements"
fi

# Guest userspace: a static arm64 busybox, fetched without touching the
# system's apt configuration.
"$GV_ROOT/scripts/debian-fetch.sh" busybox >/dev/null

log "toolchain ready: $(clang-$GV_LLVM_VER --version | head -1); $(rustc --version); $(bindgen --version)"
