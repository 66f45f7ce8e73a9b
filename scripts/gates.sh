#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Static quality gates, reported as TAP on stdout:
#  - rustfmt --check with the kernel's .rustfmt.toml on every project .rs file
#  - no rustc/clippy warning (the kernel is built with CLIPPY=1) and no C
#    compiler warning in the project's code, read from the build log
#  - checkpatch.pl clean on the project's C files and headers
#  - every #[kunit_tests] module of a driver gated on the driver's
#    <DRIVER>_KUNIT_TEST option (the line before it), so a production module
#    carries no tests
#
#   gates.sh KSRC BUILD_LOG

set -uo pipefail
. "$(dirname "$0")/common.sh"

KSRC=${1:?usage: gates.sh KSRC BUILD_LOG}
BUILD_LOG=${2:?build log}
cd "$GV_ROOT" || exit 1

mapfile -t RS < <(git ls-files '*.rs')
mapfile -t CFILES < <(git ls-files '*.c' '*.h')

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

for f in "${RS[@]}"; do
	if rustfmt --check --edition 2021 --config-path "$KSRC/.rustfmt.toml" "$f" >"$tmp" 2>&1; then
		gv_tap ok "rustfmt $f"
	else
		gv_tap fail "rustfmt $f" "$tmp"
	fi
done

# Only diagnostics in our files (the driver folders of the series and our
# rust/kernel modules) count.
gv_our_diagnostics "$BUILD_LOG" >"$tmp"
if [ -s "$tmp" ]; then
	gv_tap fail "no rustc/clippy/cc warnings in project code" "$tmp"
else
	gv_tap ok "no rustc/clippy/cc warnings in project code"
fi

for f in "${CFILES[@]}"; do
	if perl "$KSRC/scripts/checkpatch.pl" --no-tree --quiet --terse --show-types -f "$f" >"$tmp" 2>&1; then
		gv_tap ok "checkpatch $f"
	else
		gv_tap fail "checkpatch $f" "$tmp"
	fi
done

# Driver folder -> its KUnit option (drivers/Kconfig sources their Kconfigs).
for d in gzvm:GZVM bpmp-virt:BPMP_VIRT vfio-platform-ext:VFIO_PLATFORM_EXT; do
	dir=${d%%:*} opt=CONFIG_${d#*:}_KUNIT_TEST
	git ls-files "$dir/*.rs" | grep -v "^$dir/hyp/" | xargs -r awk -v opt="$opt" '
		/^#\[kunit_tests\(/ && prev !~ ("^#\\[cfg\\((all\\()?.*" opt) {
			print FILENAME ":" FNR ": #[kunit_tests] not gated on " opt
		}
		{ prev = $0 }' >"$tmp"
	if [ -s "$tmp" ]; then
		gv_tap fail "KUnit suites of $dir gated on $opt" "$tmp"
	else
		gv_tap ok "KUnit suites of $dir gated on $opt"
	fi
done

gv_tap_end || true
