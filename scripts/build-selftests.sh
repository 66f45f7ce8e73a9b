#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the project's kselftests as static aarch64 binaries against the test
# kernel's installed uapi headers into OUT/selftests, write
# OUT/selftests/list (one suite/test a line), and build the detector canary
# module into OUT/canary.
#
#   build-selftests.sh KSRC BUILD_DIR OUT

set -euo pipefail
. "$(dirname "$0")/common.sh"

KSRC=${1:?usage: build-selftests.sh KSRC BUILD_DIR OUT} B=${2:?} OUT=${3:?}
mkdir -p "$OUT/selftests" "$OUT/canary"
make -s -C "$GV_ROOT/selftests" KSRC="$KSRC" KHDR="$B/usr/include" OUTPUT="$OUT/selftests" ||
	die "selftest build failed"
make -s -C "$GV_ROOT/selftests" list | tr ' ' '\n' | sed '/^$/d' >"$OUT/selftests/list"
make -s -C "$KSRC" O="$B" ARCH=arm64 LLVM="$GV_LLVM" M="$GV_ROOT/selftests/canary" \
	MO="$OUT/canary" modules || die "canary module build failed"
