#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Runtime hardening check of the canary boot, reported as TAP on stdout:
#  - the guest applied the hosts' sysctl baseline (configs/sysctl.d): every
#    key took its value (the guest's own TAP, one point per key; a key marked
#    optional with "-" and absent from the test kernel is a SKIP);
#  - kernel-hardening-checker 0.6.17.1 -s on the guest's `sysctl -a` (with
#    the test kernel's .config, which gives the checker the architecture's
#    mmap_rnd_bits maximum): every sysctl FAIL must be listed in
#    configs/sysctl-expected.txt with its reason, and every entry there must
#    still FAIL.
# OK/FAIL counts are printed as "# " comment lines.
#
#   check-sysctl.sh CONSOLE_LOG KCONFIG

set -uo pipefail
. "$(dirname "$0")/common.sh"

LOG=${1:?usage: check-sysctl.sh CONSOLE_LOG KCONFIG}
KCONFIG=${2:?kernel .config of the guest}
EXPECTED=$GV_ROOT/configs/sysctl-expected.txt
W=$GV_CACHE/sysctl-check
mkdir -p "$W"

finish() {
	gv_tap_end || true
	exit 0
}

# section NAME: the lines of the guest's "sysctl NAME" section, without
# kernel timestamps; fails if the section is missing or did not finish.
section() {
	awk -v b="@@GV begin sysctl $1" -v e="@@GV end $1 rc=" '
		index($0, b) { on = 1; next }
		on && index($0, e) { done = 1; exit }
		on { sub(/\r$/, ""); sub(/^\[ *[0-9]+\.[0-9]+\] ?/, ""); print }
		END { exit !done }' "$LOG"
}

if section baseline >"$W/baseline.tap"; then
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$W/baseline.tap")
	got=$(grep -c '^\(not \)\?ok ' "$W/baseline.tap")
	bad=$(grep '^not ok ' "$W/baseline.tap" | sed 's/^not ok [0-9]* /# rejected: /')
	skipped=$(grep -c '^ok .*# SKIP' "$W/baseline.tap")
	if [ -z "$plan" ] || [ "$plan" = 0 ] || [ "$got" != "$plan" ]; then
		gv_tap fail "guest applies configs/sysctl.d" "# $got of ${plan:-?} keys reported"
	elif [ -n "$bad" ]; then
		gv_tap fail "guest applies configs/sysctl.d" "$bad"
	else
		gv_tap ok "guest applies configs/sysctl.d ($plan keys, $skipped absent from the test kernel)"
	fi
else
	gv_tap fail "guest applies configs/sysctl.d" "# no complete '@@GV begin sysctl baseline' section in $LOG"
fi

# Kernel messages on the same console (a deprecated-sysctl notice, say) are
# not "key = value" lines: they are dropped.
if ! section dump >"$W/sysctl.raw" ||
	! grep -E '^[^ =]+ =( |$)' "$W/sysctl.raw" >"$W/sysctl.txt" ||
	! grep -q '^kernel\.arch = ' "$W/sysctl.txt"; then
	gv_tap fail "guest dumps sysctl -a" "# no complete 'sysctl dump' section (with kernel.arch) in $LOG"
	finish
fi
gv_tap ok "guest dumps sysctl -a ($(wc -l <"$W/sysctl.txt") keys)"

if diag=$("$GV_ROOT/scripts/khc-judge.py" --lint "$EXPECTED" guest-sysctl); then
	gv_tap ok "configs/sysctl-expected.txt is well-formed"
else
	gv_tap fail "configs/sysctl-expected.txt is well-formed" "$diag"
fi

KHC=$("$GV_ROOT/scripts/debian-fetch.sh" khc) || die "cannot fetch kernel-hardening-checker"
if ! PYTHONPATH="$KHC/usr/lib/python3/dist-packages" python3 \
	"$KHC/usr/bin/kernel-hardening-checker" -c "$KCONFIG" -s "$W/sysctl.txt" -m json \
	>"$W/khc.json" 2>"$W/khc.err"; then
	gv_tap fail "khc -s guest-sysctl" "$(sed 's/^/# /' "$W/khc.err" | head -20)"
	finish
fi
# The kconfig results are the test kernel's (informational, in configs.tap).
if diag=$("$GV_ROOT/scripts/khc-judge.py" guest-sysctl "$W/khc.json" "$EXPECTED" --type sysctl); then
	gv_tap ok "khc -s guest-sysctl" "$diag"
else
	gv_tap fail "khc -s guest-sysctl" "$diag"
fi
finish
