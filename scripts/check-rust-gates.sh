#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the kernel crate with the project's rust/ additions in a config
# without the options some of them need (configs/rust-gates.config:
# tinyconfig + RUST, without EVENTFD and RESET_CONTROLLER), so that a module,
# helper or binding that is not gated on its option fails the check. TAP on
# stdout:
#  - the config merges (the fragment's symbols took their values);
#  - `make rust/` (helpers, bindings, the kernel crate and its doc-tests,
#    compiled as KUnit but not run) succeeds;
#  - no compiler or clippy warning from our rust/ files in that build;
#  - the three drivers build, with clippy and WERROR and without a warning
#    from our files, as a production kernel builds them: tinyconfig +
#    configs/drivers.config + configs/prod-gates.config, without the
#    test-only options (test knobs, BPMP model, KUnit), in a second build
#    directory (<...>-prod-gates, a few minutes the first time).
#
# The build directory is $GV_CACHE/build/<kernel>-llvm<ver>-rust-gates, next
# to the test kernel's, so later runs are incremental: 2-3 minutes the first
# time on 2 cores, under a minute afterwards (the config, then the kernel
# crate and the doc-tests, compiled, not run).
#
#   check-rust-gates.sh KSRC

set -uo pipefail
. "$(dirname "$0")/common.sh"

KSRC=${1:?usage: check-rust-gates.sh KSRC}
[ -f "$KSRC/Kbuild" ] || die "$KSRC is not a kernel source tree"
kver=$(cat "$KSRC/.gv-debian-version" 2>/dev/null || make -s -C "$KSRC" kernelversion)
B=${GV_GATES_BUILD_DIR:-$GV_CACHE/build/arm64-${kver//\~/_}-llvm$GV_LLVM_VER-rust-gates}
LOG=$B/build.log
mkdir -p "$B"

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

"$GV_ROOT/scripts/apply-series.sh" "$KSRC" || die "cannot apply the patch series to $KSRC"
if ! "$GV_ROOT/scripts/kernel-config.sh" "$KSRC" "$B" arm64 tinyconfig \
	"$GV_ROOT/configs/rust-gates.config" >"$tmp" 2>&1; then
	gv_tap fail "rust-gates config (tinyconfig + configs/rust-gates.config)" "$tmp"
	gv_tap fail "kernel crate builds without EVENTFD and RESET_CONTROLLER # SKIP no config"
	gv_tap_end
	exit 1
fi
gv_tap ok "rust-gates config (tinyconfig + configs/rust-gates.config)"

# The kernel crate is always recompiled (about 15 s here), so that its
# warnings appear in every build log.
rm -f "$B/rust/kernel.o" "$B/rust/libkernel.rmeta"
start=$(date +%s)
if make -C "$KSRC" O="$B" ARCH=arm64 LLVM="$GV_LLVM" CLIPPY=1 -j"$(gv_jobs)" rust/ \
	>"$LOG" 2>&1; then
	gv_tap ok "kernel crate builds without EVENTFD and RESET_CONTROLLER"
else
	grep -E -A12 '^error|Error [0-9]' "$LOG" | head -60 >"$tmp"
	gv_tap fail "kernel crate builds without EVENTFD and RESET_CONTROLLER" "$tmp"
fi
log "rust-gates build (rust/) took $(($(date +%s) - start)) s (log: $LOG)"

# The same filter as gates.sh.
gv_our_diagnostics "$LOG" >"$tmp"
if [ -s "$tmp" ]; then
	gv_tap fail "no warning from rust/ in the rust-gates build" "$tmp"
else
	gv_tap ok "no warning from rust/ in the rust-gates build"
fi

# The drivers without their test-only options.
P=${B%-rust-gates}-prod-gates
mkdir -p "$P"
what="the drivers build without test options, with WERROR (tinyconfig + drivers.config + prod-gates.config)"
if ! "$GV_ROOT/scripts/kernel-config.sh" "$KSRC" "$P" arm64 tinyconfig \
	"$GV_ROOT/configs/drivers.config" "$GV_ROOT/configs/prod-gates.config" >"$tmp" 2>&1; then
	gv_tap fail "$what" "$tmp"
else
	dirs=()
	for d in $(gv_driver_dirs); do
		dirs+=("$d/")
		find "$P/$d" -name '*.o' -delete 2>/dev/null
	done
	start=$(date +%s)
	gv_build_gate "$what" "$KSRC" "$P" "${dirs[@]}"
	log "prod-gates build (${dirs[*]}) took $(($(date +%s) - start)) s (log: $P/build.log)"
fi

gv_tap_end
