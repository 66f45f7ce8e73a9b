#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole test suite: set up, build the test kernel with the drivers
# in-tree, run the static gates and the kernel config checks, boot QEMU with
# every kselftest and KUnit suite, and print per-suite results and
# "N passed, M failed, K skipped".

set -euo pipefail
. "$(dirname "$0")/common.sh"

OUT=${GV_OUT:-$GV_ROOT/out}
mkdir -p "$OUT"
t0=$(date +%s)

"$GV_ROOT/scripts/setup.sh"
B=$("$GV_ROOT/scripts/kernel-build.sh")
KSRC=$(cat "$B/.gv-ksrc")
t_build=$(date +%s)

"$GV_ROOT/scripts/build-selftests.sh" "$KSRC" "$B" "$OUT"
"$GV_ROOT/scripts/gates.sh" "$KSRC" "$B/build.log" >"$OUT/gates.tap"
"$GV_ROOT/scripts/check-layouts.sh" "$KSRC" "$B" >"$OUT/layouts.tap" || true
"$GV_ROOT/scripts/check-rust-gates.sh" "$KSRC" >"$OUT/rust-gates.tap" || true
"$GV_ROOT/scripts/check-configs.sh" "$KSRC" >"$OUT/configs.tap" || true
"$GV_ROOT/scripts/check-dt.sh" "$KSRC" "$OUT/dt-check" >"$OUT/dt.tap" || true
"$GV_ROOT/scripts/parse-results.py" --selftest >"$OUT/judge.tap" || true

rm -f "$OUT"/console-*.log
"$GV_ROOT/scripts/run-qemu.sh" test "$B" "$OUT"
"$GV_ROOT/scripts/run-qemu.sh" canary "$B" "$OUT"
t_sim=$(date +%s)
"$GV_ROOT/scripts/run-qemu.sh" hyp "$B" "$OUT"
t_hyp=$(date +%s)
# The same kernel at EL2 with KVM: the KVM harness's quick rows, so the
# benchmark table below has KVM next to gzvm (make bench has the long form).
"$GV_ROOT/scripts/run-qemu.sh" kvm "$B" "$OUT"
t_run=$(date +%s)

args=(--tap "gates=$OUT/gates.tap" --tap "layouts=$OUT/layouts.tap" --tap "rust-gates=$OUT/rust-gates.tap" --tap "configs=$OUT/configs.tap" --tap "dt=$OUT/dt.tap"
	--tap "judge=$OUT/judge.tap" --canary "$OUT/console-canary.log" --hyp "$OUT/console-hyp.log"
	--kvm "$OUT/console-kvm.log" --kvm-kselftest kvm/bench --kvm-kselftest kvm/bench_mem)
for t in $(cat "$OUT/selftests/list"); do
	# The KVM harness runs only in the kvm boot (--kvm above).
	case $t in kvm/*) continue ;; esac
	args+=(--kselftest "$t")
done
for s in $(git -C "$GV_ROOT" ls-files '*.rs' | (cd "$GV_ROOT" && xargs grep -ho '#\[kunit_tests([a-z0-9_]*)\]') |
	sed 's/.*(\(.*\))./\1/' | sort -u); do
	args+=(--kunit "$s")
done
# The kernel crate's doc-tests (ours in rust/kernel/ and upstream's), built in.
if grep -q '^CONFIG_RUST_KERNEL_DOCTESTS=y' "$B/.config"; then
	args+=(--kunit rust_doctests_kernel)
fi

log "timings: build $((t_build - t0)) s, tests $((t_sim - t_build)) s, gzhyp boot $((t_hyp - t_sim)) s, kvm boot $((t_run - t_hyp)) s, total $((t_run - t0)) s"
log "console logs: $OUT/console-test.log, $OUT/console-canary.log, $OUT/console-hyp.log, $OUT/console-kvm.log"
# Short form of make bench's table (figures, never a verdict).
"$GV_ROOT/scripts/bench-report.py" --short --hyp "$OUT/console-hyp.log" \
	--kvm "$OUT/console-kvm.log" --json "$OUT/bench-check.json" || true
exec "$GV_ROOT/scripts/parse-results.py" "$OUT/console-test.log" "${args[@]}"
