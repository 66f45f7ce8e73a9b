#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the arm64 guest kernel that crosvm boots on /dev/gzvm in the
# end-to-end test: the project's hardened guest configuration
# (configs/arm64/guest-hardened.config) plus what crosvm's virtual machine
# needs (configs/arm64/crosvm-guest.config), from the same kernel source as
# the host. Prints the path of the Image on stdout.

set -euo pipefail
. "$(dirname "$0")/common.sh"

KSRC=$("$GV_ROOT/scripts/debian-fetch.sh" kernel)
kver=$(cat "$KSRC/.gv-debian-version")
B=$GV_CACHE/build/arm64-guest-${kver//\~/_}-llvm$GV_LLVM_VER
mkdir -p "$B"
"$GV_ROOT/scripts/kernel-config.sh" "$KSRC" "$B" arm64 tinyconfig \
	"$GV_ROOT/configs/arm64/guest-hardened.config" \
	"$GV_ROOT/configs/arm64/crosvm-guest.config"
log "building the guest kernel in $B (log: $B/build.log)"
start=$(date +%s)
if ! gv_run_logged "guest kernel build" "$B/build.log" '^  [A-Z]' \
	make -C "$KSRC" O="$B" ARCH=arm64 LLVM="$GV_LLVM" -j"$(gv_jobs)" Image; then
	grep -E 'error|Error' "$B/build.log" | head -40 >&2
	die "guest kernel build failed; see $B/build.log"
fi
log "guest kernel built in $(($(date +%s) - start)) s"
echo "$B/arch/arm64/boot/Image"
