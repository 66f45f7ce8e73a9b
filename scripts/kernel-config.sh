#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Generate a kernel .config from a base target and fragments, then verify
# that every symbol a fragment asks for took its value after olddefconfig.
# Any mismatch (merge_config's "requested vs actual") is an error.
#
#   kernel-config.sh KSRC BUILD_DIR ARCH BASE_TARGET FRAGMENT...

set -euo pipefail
. "$(dirname "$0")/common.sh"

KSRC=$1 B=$2 ARCH=$3 BASE=$4
shift 4
mkdir -p "$B"
# merge_config.sh runs inside the build directory: make fragment paths absolute.
frags=()
for f in "$@"; do
	[ -f "$f" ] || die "config fragment $f does not exist"
	frags+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done
set -- "${frags[@]}"

MAKE=(make -s -C "$KSRC" O="$B" ARCH="$ARCH" LLVM="$GV_LLVM")
"${MAKE[@]}" "$BASE" >/dev/null
# -m: merge only; olddefconfig below resolves dependencies once, for all.
(cd "$B" && KCONFIG_CONFIG=.config "$KSRC/scripts/kconfig/merge_config.sh" \
	-m -O "$B" "$B/.config" "$@" >/dev/null)
"${MAKE[@]}" olddefconfig >/dev/null

"$GV_ROOT/scripts/check-config.py" "$B/.config" "$@"
