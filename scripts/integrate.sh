#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Place the project into a kernel source tree: one symlink for the drivers
# (drivers/ghaf_virt -> project root, whose Kbuild lists the driver folders),
# one for the uapi header, and one idempotent line each in drivers/Kconfig and
# drivers/Makefile. Re-running only refreshes the symlinks, so a changed
# driver file rebuilds incrementally and nothing else does.
#
#   integrate.sh KSRC

set -euo pipefail
. "$(dirname "$0")/common.sh"

KSRC=${1:?usage: integrate.sh KSRC}
[ -f "$KSRC/Kbuild" ] && [ -d "$KSRC/drivers" ] || die "$KSRC is not a kernel source tree"

ln -sfn "$GV_ROOT" "$KSRC/drivers/ghaf_virt"
ln -sfn "$GV_ROOT/gzvm/include/uapi/linux/gzvm.h" "$KSRC/include/uapi/linux/gzvm.h"

if ! grep -q 'drivers/ghaf_virt/drivers/Kconfig' "$KSRC/drivers/Kconfig"; then
	# Source our menu just before the final endmenu.
	tmp=$(mktemp)
	awk '{ lines[NR] = $0 } END {
		last = 0
		for (i = NR; i > 0; i--) if (lines[i] ~ /^endmenu/) { last = i; break }
		for (i = 1; i <= NR; i++) {
			if (i == last) print "source \"drivers/ghaf_virt/drivers/Kconfig\"\n"
			print lines[i]
		}
	}' "$KSRC/drivers/Kconfig" >"$tmp"
	cat "$tmp" >"$KSRC/drivers/Kconfig"
	rm -f "$tmp"
fi
grep -q '^obj-y[[:space:]]*+= ghaf_virt/' "$KSRC/drivers/Makefile" ||
	printf 'obj-y\t\t\t\t+= ghaf_virt/\n' >>"$KSRC/drivers/Makefile"
