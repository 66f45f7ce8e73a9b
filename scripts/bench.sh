#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: gzvm side by side with KVM on the same emulated machine.
# Builds what is needed, boots the test kernel twice, prints one table and
# writes it as JSON to OUT/bench.json:
#   1. at EL1 under gzhyp, /dev/gzvm: selftests/gzvm/bench.c and crosvm
#      booting the guest kernel (console OUT/bench/console-hyp.log);
#   2. the same kernel at EL2, /dev/kvm: the KVM harness on the same guest
#      programs (selftests/kvm-bench/bench.c), the same crosvm and guest on KVM,
#      and the bpmp proxy benchmark (console OUT/bench/console-kvm.log).
# Every row is a median of several repetitions with its spread, each
# against a reference measured in the same repetition (bench_row.h).
# Exits non-zero if a benchmark suite failed (never on a figure).

set -euo pipefail
. "$(dirname "$0")/common.sh"

OUT=${GV_OUT:-$GV_ROOT/out}
BOUT=$OUT/bench
mkdir -p "$BOUT"
t0=$(date +%s)

"$GV_ROOT/scripts/setup.sh"
B=$("$GV_ROOT/scripts/kernel-build.sh")
"$GV_ROOT/scripts/build-selftests.sh" "$(cat "$B/.gv-ksrc")" "$B" "$BOUT"

# The long rows (512 MiB pinned and mlocked) need more than the suites' 300 s.
export GV_BENCH=full GV_TIMEOUT=900
rm -f "$BOUT"/console-*.log
GV_ONLY=gzvm/bench*,gzvm/crosvm_linux.sh "$GV_ROOT/scripts/run-qemu.sh" test "$B" "$BOUT"
t_hyp=$(date +%s)
GV_ONLY=kvm-bench/bench*,kvm-bench/crosvm_linux.sh,bpmp-virt/bench "$GV_ROOT/scripts/run-qemu.sh" kvm "$B" "$BOUT"
t_kvm=$(date +%s)
log "timings: gzhyp boot $((t_hyp - t0)) s (with the build), kvm boot $((t_kvm - t_hyp)) s"

"$GV_ROOT/scripts/bench-report.py" --hyp "$BOUT/console-test.log" --kvm "$BOUT/console-kvm.log" \
	--json "$OUT/bench.json"
log "table as JSON: $OUT/bench.json; consoles: $BOUT/console-test.log, $BOUT/console-kvm.log"
exec "$GV_ROOT/scripts/parse-results.py" "$BOUT/console-test.log" --kselftest gzvm/bench --kselftest gzvm/bench_mem \
	--kselftest gzvm/crosvm_linux.sh \
	--kvm "$BOUT/console-kvm.log" --kvm-kselftest kvm-bench/bench --kvm-kselftest kvm-bench/bench_mem \
	--kvm-kselftest kvm-bench/crosvm_linux.sh \
	--kvm-kselftest bpmp-virt/bench
