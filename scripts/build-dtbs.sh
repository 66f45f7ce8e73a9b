#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the kernel-tree DTBs that dt-overlays/overlays.list applies
# overlays to, with symbols (-@) so overlays can resolve the mainline
# labels, in a scratch build directory under the cache (defconfig, DTB
# targets only). Prints the directory holding arch/arm64/boot/dts/.
#
#   build-dtbs.sh KSRC

set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$GV_ROOT/scripts/dt-lib.sh"

KSRC=${1:?usage: build-dtbs.sh KSRC}
ver=$(cat "$KSRC/.gv-debian-version" 2>/dev/null || make -s -C "$KSRC" kernelversion)
O="$GV_CACHE/dtbs/${ver//[~:]/_}-llvm$GV_LLVM_VER"
mkdir -p "$O"

kmake() {
	make -s -C "$KSRC" O="$O" ARCH=arm64 LLVM="$GV_LLVM" "$@"
}

[ -f "$O/.config" ] || kmake defconfig >/dev/null ||
	die "make defconfig for the DTB build failed ($O)"

mapfile -t dtbs < <(gv_dt_bases)
args=()
for d in "${dtbs[@]}"; do
	stem=$(basename "$d" .dtb)
	# Per-target flags keep the kernel's own dtc warning policy intact.
	args+=("DTC_FLAGS_$stem=-@")
done
if ! kmake "${args[@]}" "${dtbs[@]}" >"$O/dtbs.log" 2>&1; then
	cat "$O/dtbs.log" >&2
	die "building ${dtbs[*]} from $KSRC failed"
fi
for d in "${dtbs[@]}"; do
	fdtget -l "$O/arch/arm64/boot/dts/$d" / | grep -qx __symbols__ ||
		die "$d was built without symbols (-@)"
done
echo "$O/arch/arm64/boot/dts"
