#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the project's kselftests the kernel's way and install them into
# OUT/selftests: the patch series puts the suites in
# KSRC/tools/testing/selftests (scripts/apply-series.sh), and the kernel's
# kselftest Makefile builds them
# (through lib.mk) as static aarch64 binaries against the test kernel's uapi
# headers (BUILD_DIR/usr/include), objects in BUILD_DIR/kselftest. The install
# holds each suite's programs, config and settings, run_kselftest.sh and
# kselftest-list.txt; OUT/selftests/list has the same tests as suite/test,
# one a line, for the QEMU runner. Each suite's config fragment must hold in
# the test kernel's .config. Last, the detector canary module goes to
# OUT/canary.
#
#   build-selftests.sh KSRC BUILD_DIR OUT

set -euo pipefail
. "$(dirname "$0")/common.sh"

KSRC=${1:?usage: build-selftests.sh KSRC BUILD_DIR OUT} B=${2:?} OUT=${3:?}
# In the order they run (the QEMU runner follows the list).
SUITES="gzvm kvm-bench bpmp-virt vfio-platform-ext"

for m in "$GV_ROOT"/selftests/*/Makefile; do
	s=$(basename "$(dirname "$m")")
	case " $SUITES " in *" $s "*) ;; *) die "selftests/$s is not in SUITES of $0" ;; esac
done

"$GV_ROOT/scripts/apply-series.sh" "$KSRC"
for s in $SUITES; do
	while read -r line; do
		case $line in CONFIG_*) ;; *) continue ;; esac
		grep -qxF "$line" "$B/.config" ||
			die "selftests/$s/config: $line is not in the test kernel's $B/.config"
	done <"$GV_ROOT/selftests/$s/config"
done

# USERLDFLAGS is lib.mk's hook for extra link flags: the QEMU initramfs has
# no C library, so the tests are static. FORCE_TARGETS=1: without it the
# kselftest Makefile succeeds when any one suite builds.
rm -rf "$OUT/selftests"
mkdir -p "$OUT/selftests" "$OUT/canary"
gv_run_logged "selftest build" "$OUT/selftests-build.log" '^  (CC|LINK) ' \
	make -C "$KSRC/tools/testing/selftests" TARGETS="$SUITES" ARCH=arm64 \
	CROSS_COMPILE=aarch64-linux-gnu- O="$B" USERLDFLAGS=-static FORCE_TARGETS=1 \
	KSFT_INSTALL_PATH="$OUT/selftests" install ||
	{ tail -30 "$OUT/selftests-build.log" >&2; die "selftest build failed (log: $OUT/selftests-build.log)"; }
sed -n 's|^\([^:]*\):\(.*\)$|\1/\2|p' "$OUT/selftests/kselftest-list.txt" >"$OUT/selftests/list"
[ -s "$OUT/selftests/list" ] || die "no tests in $OUT/selftests/kselftest-list.txt"
make -s -C "$KSRC" O="$B" ARCH=arm64 LLVM="$GV_LLVM" M="$GV_ROOT/selftests/canary" \
	MO="$OUT/canary" modules || die "canary module build failed"
