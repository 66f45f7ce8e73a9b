#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build every overlay in dt-overlays/ into OUT/<name>.dtbo: preprocessed
# with cpp against the kernel tree's dt-bindings headers, compiled with
# dtc -@, any dtc warning an error. Then apply each to the base DTBs that
# dt-overlays/overlays.list names, giving OUT/<base>+<name>.dtb, or
# OUT/<name>.dtb for an overlay named after its board (the
# kernel-tree DTBs are built with symbols under the cache; "qemu-virt" is
# QEMU's dumped DTB of the test machine).
#
#   build-overlays.sh OUT [KSRC]

set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$GV_ROOT/scripts/dt-lib.sh"

OUT=${1:?usage: build-overlays.sh OUT [KSRC]}
KSRC=${2:-$("$GV_ROOT/scripts/debian-fetch.sh" kernel)}
mkdir -p "$OUT"
for src in "$GV_ROOT"/dt-overlays/*.dtso; do
	name=$(basename "$src" .dtso)
	gv_dt_overlay "$KSRC" "$src" "$OUT/$name.dtbo" ||
		die "overlay $name does not build cleanly"
done

DTS=$("$GV_ROOT/scripts/build-dtbs.sh" "$KSRC")
gv_qemu_virt_dtb "$OUT/qemu-virt.dtb"
while read -r src bases; do
	[ -n "$src" ] || continue
	name=${src%.dtso}
	for b in $bases; do
		base="$DTS/$b"
		[ "$b" = qemu-virt ] && base="$OUT/qemu-virt.dtb"
		fdtoverlay -i "$base" -o "$OUT/$(gv_dt_applied "$b" "$src")" "$OUT/$name.dtbo" ||
			die "overlay $name does not apply to $b"
	done
done < <(sed 's/#.*//' "$GV_ROOT/dt-overlays/overlays.list")
