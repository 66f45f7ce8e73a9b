#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build gzhyp (gzvm/hyp/), the GenieZone-ABI test hypervisor, and write it as
# an arm64 Image that QEMU boots at EL2:
#
#   build-hyp.sh OUT_FILE
#
# GV_HYP_FEATURES (default "test-knobs") selects the crate's features; the
# test suite needs the test knobs. Build products stay in the cache.

set -euo pipefail
. "$(dirname "$0")/common.sh"

OUT_FILE=${1:?usage: build-hyp.sh OUT_FILE}
export CARGO_TARGET_DIR="$GV_CACHE/hyp-target"
rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-none ||
	die "the aarch64-unknown-none target is missing: run scripts/setup.sh"
RUSTFLAGS="-D warnings" cargo build --quiet --locked --release --target aarch64-unknown-none \
	--manifest-path "$GV_ROOT/gzvm/hyp/Cargo.toml" \
	--features "${GV_HYP_FEATURES-test-knobs}" ||
	die "gzhyp does not build"
"llvm-objcopy$GV_LLVM" -O binary "$CARGO_TARGET_DIR/aarch64-unknown-none/release/gzhyp" "$OUT_FILE" ||
	die "llvm-objcopy$GV_LLVM failed"
