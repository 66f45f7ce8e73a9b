#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole test suite: set up, build the test kernel (the pristine Debian
# tree with the project's patch series applied by git am), check the series,
# run the static gates and the kernel config checks, boot QEMU with
# every kselftest and KUnit suite, check the hosts' sysctl baseline in the
# canary boot, and print per-suite results and
# "N passed, M failed, K skipped".
#
# Environment (make check T=... FAILED=1):
#   GV_T=GLOB[,GLOB...]  only the kselftest suites matching (no host checks,
#                        no canary boot);
#   GV_FAILED=1          only the suites that failed in the last full or
#                        partial run (OUT/failed-suites).

set -euo pipefail
. "$(dirname "$0")/common.sh"

OUT=${GV_OUT:-$GV_ROOT/out}
mkdir -p "$OUT"
t0=$(date +%s)

only=${GV_T:-}
if [ -n "${GV_FAILED:-}" ]; then
	[ -s "$OUT/failed-suites" ] || die "no failed suites recorded in $OUT/failed-suites (did the last make check pass?)"
	only=$(paste -sd, "$OUT/failed-suites")
	log "rerunning the suites that failed last time: $only"
fi

# Whether kselftest suite $1 is selected by $only.
selected() {
	local g rest=$only,
	[ -n "$only" ] || return 0
	while [ -n "$rest" ]; do
		g=${rest%%,*}
		rest=${rest#*,}
		# shellcheck disable=SC2053
		[[ $1 == $g ]] && return 0
	done
	return 1
}

"$GV_ROOT/scripts/setup.sh"
B=$("$GV_ROOT/scripts/kernel-build.sh")
KSRC=$(cat "$B/.gv-ksrc")
t_build=$(date +%s)

"$GV_ROOT/scripts/build-selftests.sh" "$KSRC" "$B" "$OUT"
args=()
if [ -z "$only" ]; then
	log "host checks: series, gates, layouts, rust gates, configs, device trees, docs, judge"
	"$GV_ROOT/scripts/check-series.sh" "$KSRC" >"$OUT/series.tap" || true
	"$GV_ROOT/scripts/gates.sh" "$KSRC" "$B/build.log" >"$OUT/gates.tap"
	"$GV_ROOT/scripts/check-layouts.sh" "$KSRC" "$B" >"$OUT/layouts.tap" || true
	"$GV_ROOT/scripts/check-rust-gates.sh" "$KSRC" >"$OUT/rust-gates.tap" || true
	"$GV_ROOT/scripts/check-configs.sh" "$KSRC" >"$OUT/configs.tap" || true
	"$GV_ROOT/scripts/check-dt.sh" "$KSRC" "$OUT/dt-check" >"$OUT/dt.tap" || true
	"$GV_ROOT/scripts/check-docs.sh" "$KSRC" >"$OUT/docs.tap" || true
	"$GV_ROOT/scripts/parse-results.py" --selftest >"$OUT/judge.tap" || true
	for t in series gates layouts rust-gates configs dt docs judge; do
		args+=(--tap "$t=$OUT/$t.tap")
	done
fi

rm -f "$OUT"/console-*.log
t_canary=$(date +%s)
if [ -z "$only" ]; then
	rm -f "$OUT/sysctl.tap"
	"$GV_ROOT/scripts/run-qemu.sh" canary "$B" "$OUT"
	"$GV_ROOT/scripts/check-sysctl.sh" "$OUT/console-canary.log" "$B/.config" >"$OUT/sysctl.tap" || true
	args+=(--canary "$OUT/console-canary.log" --tap "sysctl=$OUT/sysctl.tap")
fi
t_tests=$(date +%s)
GV_ONLY=$only "$GV_ROOT/scripts/run-qemu.sh" test "$B" "$OUT"
t_hyp=$(date +%s)
if [ -z "$only" ]; then
	# The same kernel at EL2 with KVM: the KVM harness's quick rows, so the
	# benchmark table below has KVM next to gzvm (make bench has the long form).
	"$GV_ROOT/scripts/run-qemu.sh" kvm "$B" "$OUT"
	args+=(--kvm "$OUT/console-kvm.log" --kvm-kselftest kvm-bench/bench --kvm-kselftest kvm-bench/bench_mem)
fi
t_run=$(date +%s)

# Every installed test, the end-to-end gzvm/crosvm_linux.sh (crosvm boots
# Linux on /dev/gzvm) among them.
for t in $(cat "$OUT/selftests/list"); do
	# The KVM harness runs only in the kvm boot (--kvm above).
	case $t in kvm-bench/*) continue ;; esac
	selected "$t" && args+=(--kselftest "$t")
done
if [ -z "$only" ]; then
	for s in $(git -C "$GV_ROOT" ls-files '*.rs' | (cd "$GV_ROOT" && xargs grep -ho '#\[kunit_tests([a-z0-9_]*)\]') |
		sed 's/.*(\(.*\))./\1/' | sort -u); do
		args+=(--kunit "$s")
	done
	# The kernel crate's doc-tests (ours in rust/kernel/ and upstream's), built in.
	if grep -q '^CONFIG_RUST_KERNEL_DOCTESTS=y' "$B/.config"; then
		args+=(--kunit rust_doctests_kernel)
	fi
fi

log "timings: build $((t_build - t0)) s, host checks $((t_canary - t_build)) s, canary $((t_tests - t_canary)) s, tests under gzhyp $((t_hyp - t_tests)) s, kvm boot $((t_run - t_hyp)) s, total $((t_run - t0)) s"
log "console logs: $OUT/console-test.log (tests), $OUT/console-canary.log and $OUT/console-kvm.log (full runs)"
if [ -z "$only" ]; then
	# Short form of make bench's table (figures, never a verdict).
	"$GV_ROOT/scripts/bench-report.py" --short --hyp "$OUT/console-test.log" \
		--kvm "$OUT/console-kvm.log" --json "$OUT/bench-check.json" || true
fi
exec "$GV_ROOT/scripts/parse-results.py" "$OUT/console-test.log" --failed-out "$OUT/failed-suites" "${args[@]}"
