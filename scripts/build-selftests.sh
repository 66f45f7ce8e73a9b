#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the project's kselftests as static aarch64 binaries against the test
# kernel's installed uapi headers, and write OUT/list (one suite/test a line).
#
#   build-selftests.sh KSRC BUILD_DIR OUT

set -euo pipefail
. "$(dirname "$0")/common.sh"

KSRC=${1:?usage: build-selftests.sh KSRC BUILD_DIR OUT} B=${2:?} OUT=${3:?}
mkdir -p "$OUT"
make -s -C "$GV_ROOT/selftests" KSRC="$KSRC" KHDR="$B/usr/include" OUTPUT="$OUT" ||
	die "selftest build failed"
make -s -C "$GV_ROOT/selftests" list | tr ' ' '\n' | sed '/^$/d' >"$OUT/list"
