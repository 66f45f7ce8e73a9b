#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: gzvm side by side with KVM on the same emulated machine.
# Builds what is needed, boots the test kernel twice, prints one table and
# writes it as JSON to OUT/bench.json:
#   1. at EL1 under gzhyp, /dev/gzvm: selftests/gzvm/bench.c and crosvm
#      booting the guest kernel (console OUT/bench/console-hyp.log);
#   2. the same kernel at EL2, /dev/kvm: the KVM harness on the same guest
#      programs (selftests/kvm/bench.c), the same crosvm and guest on KVM,
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

export GV_BENCH=full
rm -f "$BOUT"/console-*.log
GV_HYP_ONLY=gzvm/bench*,gzvm/crosvm_linux "$GV_ROOT/scripts/run-qemu.sh" hyp "$B" "$BOUT"
t_hyp=$(date +%s)
GV_KVM_ONLY=kvm/bench*,kvm/crosvm_linux,bpmp-virt/bench "$GV_ROOT/scripts/run-qemu.sh" kvm "$B" "$BOUT"
t_kvm=$(date +%s)
log "timings: gzhyp boot $((t_hyp - t0)) s (with the build), kvm boot $((t_kvm - t_hyp)) s"

"$GV_ROOT/scripts/bench-report.py" --hyp "$BOUT/console-hyp.log" --kvm "$BOUT/console-kvm.log" \
	--json "$OUT/bench.json"
log "table as JSON: $OUT/bench.json; consoles: $BOUT/console-hyp.log, $BOUT/console-kvm.log"
exec "$GV_ROOT/scripts/parse-results.py" --hyp "$BOUT/console-hyp.log" --kselftest gzvm/bench --kselftest gzvm/bench_mem \
	--kvm "$BOUT/console-kvm.log" --kvm-kselftest kvm/bench --kvm-kselftest kvm/bench_mem --kvm-kselftest kvm/crosvm_linux \
	--kvm-kselftest bpmp-virt/bench
