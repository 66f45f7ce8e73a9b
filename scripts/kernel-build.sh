#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the arm64 test kernel with the drivers in-tree: fetch the Debian
# kernel source (or use KDIR, a git tree with a tag gv-base), apply the
# project's patch series to it with git am (scripts/apply-series.sh),
# configure from configs/, and build Image, modules and uapi headers into a
# cached build directory. Prints the build directory on stdout.
#
# Environment: KDIR (your own tree), GV_CACHE, GV_BUILD_LOG (build log path).

set -euo pipefail
. "$(dirname "$0")/common.sh"

if [ -n "${KDIR:-}" ]; then
	KSRC=$(cd "$KDIR" && pwd)
	kver=$(make -s -C "$KSRC" kernelversion)
	log "kernel source: $KSRC ($kver, from KDIR)"
else
	KSRC=$("$GV_ROOT/scripts/debian-fetch.sh" kernel)
	kver=$(cat "$KSRC/.gv-debian-version")
fi
B=${GV_BUILD_DIR:-$GV_CACHE/build/arm64-${kver//\~/_}-llvm$GV_LLVM_VER}
mkdir -p "$B"
echo "$KSRC" >"$B/.gv-ksrc"

"$GV_ROOT/scripts/apply-series.sh" "$KSRC"
"$GV_ROOT/scripts/kernel-config.sh" "$KSRC" "$B" arm64 tinyconfig \
	"$GV_ROOT/configs/arm64/host-hardened.config" \
	"$GV_ROOT/configs/drivers.config" \
	"$GV_ROOT/configs/test-debug.config"

BUILD_LOG=${GV_BUILD_LOG:-$B/build.log}
log "building kernel in $B (log: $BUILD_LOG)"
# Our objects are always rebuilt so that compiler and clippy diagnostics for
# the project's code appear in every build log.
for d in $(gv_driver_dirs); do
	find "$B/$d" \( -name '*.o' -o -name '*.ko' \) -delete 2>/dev/null || true
done
start=$(date +%s)
if ! gv_run_logged "kernel build" "$BUILD_LOG" '^  [A-Z]' \
	make -C "$KSRC" O="$B" ARCH=arm64 LLVM="$GV_LLVM" CLIPPY=1 \
	-j"$(gv_jobs)" Image modules headers; then
	grep -E 'error|Error' "$BUILD_LOG" | head -40 >&2
	die "kernel build failed; see $BUILD_LOG"
fi
log "kernel build took $(($(date +%s) - start)) s"
echo "$B"
