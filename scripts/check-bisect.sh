#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the patch series one patch at a time, as `git bisect` would, in a
# small config (tinyconfig + configs/drivers.config + configs/bisect.config:
# every driver and test option, WERROR, clippy). At each commit it builds the
# kernel crate (rust/) and each driver folder that exists there, and reports
# one TAP point per patch. Not part of `make check` (about 20-30 min on two
# cores); run it before sending the series.
#
# It checks out each commit in KSRC (a detached HEAD; the next build's
# scripts/apply-series.sh puts the series back) and uses its own build
# directory next to the test kernel's.
#
#   check-bisect.sh [KSRC]

set -uo pipefail
. "$(dirname "$0")/common.sh"

KSRC=${1:-$("$GV_ROOT/scripts/debian-fetch.sh" kernel)} || die "no kernel tree"
"$GV_ROOT/scripts/apply-series.sh" "$KSRC" >&2 || die "cannot apply the series to $KSRC"
kver=$(cat "$KSRC/.gv-debian-version" 2>/dev/null || make -s -C "$KSRC" kernelversion)
B=$GV_CACHE/build/arm64-${kver//\~/_}-llvm$GV_LLVM_VER-bisect
mkdir -p "$B"
tip=$(git -C "$KSRC" rev-parse HEAD)
mapfile -t commits < <(git -C "$KSRC" rev-list --reverse gv-base.."$tip")
trap 'git -C "$KSRC" checkout -q -f --detach "$tip"' EXIT

for c in "${commits[@]}"; do
	subject=$(git -C "$KSRC" log -1 --format=%s "$c")
	git -C "$KSRC" checkout -q -f --detach "$c"
	# Symbols of later patches do not exist yet: no strict check here.
	make -s -C "$KSRC" O="$B" ARCH=arm64 LLVM="$GV_LLVM" tinyconfig >/dev/null 2>&1
	(cd "$B" && KCONFIG_CONFIG=.config "$KSRC/scripts/kconfig/merge_config.sh" -m -O "$B" \
		.config "$GV_ROOT/configs/drivers.config" "$GV_ROOT/configs/bisect.config" \
		>/dev/null 2>&1)
	make -s -C "$KSRC" O="$B" ARCH=arm64 LLVM="$GV_LLVM" olddefconfig >/dev/null 2>&1
	targets=(rust/)
	for d in $(gv_driver_dirs); do
		[ -f "$KSRC/$d/Kconfig" ] && targets+=("$d/")
	done
	log "bisect: ${subject} (${targets[*]})"
	gv_build_gate "$subject builds (${targets[*]})" "$KSRC" "$B" "${targets[@]}"
done
gv_tap_end
