#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Compile every overlay in dt-overlays/ with dtc -@ into OUT/<name>.dtbo.
# dtc warnings are treated as errors.
#
#   build-overlays.sh OUT

set -euo pipefail
. "$(dirname "$0")/common.sh"

OUT=${1:?usage: build-overlays.sh OUT}
mkdir -p "$OUT"
for src in "$GV_ROOT"/dt-overlays/*.dtso; do
	name=$(basename "$src" .dtso)
	if ! dtc -@ -I dts -O dtb -o "$OUT/$name.dtbo" "$src" 2>"$OUT/$name.err" ||
		[ -s "$OUT/$name.err" ]; then
		cat "$OUT/$name.err" >&2
		die "overlay $name does not build cleanly"
	fi
	rm -f "$OUT/$name.err"
done
