#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Check every supported kernel config combination, reported as TAP on stdout:
#  - merge: tinyconfig + the combination's fragments + olddefconfig for its
#    arch (scripts/kernel-config.sh); fails if a requested symbol did not take
#    its value;
#  - khc: kernel-hardening-checker 0.6.17.1 on the merged config (hosts also
#    with the recommended command line, configs/<arch>/host-cmdline); every
#    FAIL must be listed in configs/khc-expected.txt, and every entry there
#    must still FAIL. The test kernel's result is informational.
# OK/FAIL counts per config are printed as "# " gv_tap_note lines.
#
# Only the .config is made, no kernel is built. A merged config is cached
# under $GV_CACHE/configs-check/<name>, keyed by everything that can change
# it (kernel, toolchain versions, fragments, our Kconfig files), so a run with
# nothing changed takes seconds.
#
#   check-configs.sh [KSRC]

set -uo pipefail
. "$(dirname "$0")/common.sh"

# name | arch | host command line ("-" for none) | khc mode | fragments (under configs/)
COMBOS=(
	"x86_64-host|x86_64|x86_64/host-cmdline|gate|x86_64/host-hardened.config x86_64/virtualization.config x86_64/networking.config x86_64/usb.config x86_64/user-input-devices.config x86_64/debug.config"
	"x86_64-guest|x86_64|-|gate|x86_64/guest-hardened.config x86_64/guest.config x86_64/display-gpu.config"
	"arm64-host|arm64|arm64/host-cmdline|gate|arm64/host-hardened.config drivers.config"
	"arm64-guest|arm64|-|gate|arm64/guest-hardened.config"
	"arm64-test|arm64|-|info|arm64/host-hardened.config drivers.config test-debug.config"
)
EXPECTED=$GV_ROOT/configs/khc-expected.txt

if [ -n "${1:-}" ]; then
	KSRC=$1
else
	KSRC=$("$GV_ROOT/scripts/debian-fetch.sh" kernel) || die "cannot fetch the kernel source"
fi
KHC=$("$GV_ROOT/scripts/debian-fetch.sh" khc) || die "cannot fetch kernel-hardening-checker"
"$GV_ROOT/scripts/apply-series.sh" "$KSRC" || die "cannot apply the patch series to $KSRC"
WORK=$GV_CACHE/configs-check
mkdir -p "$WORK"

khc() {
	PYTHONPATH="$KHC/usr/lib/python3/dist-packages" python3 \
		"$KHC/usr/bin/kernel-hardening-checker" "$@"
}

# Everything besides the fragments that can change a merged config.
toolchain_key() {
	cat "$KSRC/.gv-debian-version" 2>/dev/null || make -s -C "$KSRC" kernelversion
	echo "$KSRC"
	"clang$GV_LLVM" --version | head -1
	rustc --version 2>/dev/null
	bindgen --version 2>/dev/null
	cat "$GV_ROOT/scripts/kernel-config.sh" "$GV_ROOT/scripts/check-config.py"
	(cd "$GV_ROOT" && git ls-files -z '*Kconfig*' | xargs -0 cat)
}
base_key=$(toolchain_key | sha256sum | cut -d' ' -f1)


names=()
for c in "${COMBOS[@]}"; do
	names+=("${c%%|*}")
done
if diag=$("$GV_ROOT/scripts/khc-judge.py" --lint "$EXPECTED" "${names[@]}"); then
	gv_tap ok "configs/khc-expected.txt is well-formed"
else
	gv_tap fail "configs/khc-expected.txt is well-formed" "$diag"
fi

for c in "${COMBOS[@]}"; do
	IFS='|' read -r name arch cmdline mode frags <<<"$c"
	paths=()
	for f in $frags; do
		paths+=("$GV_ROOT/configs/$f")
	done
	dir=$WORK/$name
	key=$( (echo "$base_key $arch"; cat "${paths[@]}") | sha256sum | cut -d' ' -f1)

	# --- merge ---
	if [ "$(cat "$dir/.gv-key" 2>/dev/null)" != "$key" ] || [ ! -f "$dir/.config" ]; then
		rm -f "$dir/.gv-key"
		rc=0
		"$GV_ROOT/scripts/kernel-config.sh" "$KSRC" "$dir" "$arch" tinyconfig "${paths[@]}" \
			>"$WORK/$name.merge.log" 2>&1 || rc=$?
		echo "$rc" >"$WORK/$name.merge.rc"
		echo "$key" >"$dir/.gv-key"
	fi
	if [ "$(cat "$WORK/$name.merge.rc")" = 0 ]; then
		gv_tap ok "merge $name ($arch: tinyconfig $frags)"
	else
		gv_tap fail "merge $name ($arch: tinyconfig $frags)" "$(sed 's/^/# /' "$WORK/$name.merge.log" | head -40)"
	fi

	# --- kernel-hardening-checker ---
	args=(-c "$dir/.config" -m json)
	[ "$cmdline" = - ] || args+=(-l "$GV_ROOT/configs/$cmdline")
	if ! khc "${args[@]}" >"$WORK/$name.khc.json" 2>"$WORK/$name.khc.err"; then
		gv_tap fail "khc $name" "$(sed 's/^/# /' "$WORK/$name.khc.err" | head -20)"
		continue
	fi
	judge=(--info)
	[ "$mode" = info ] || judge=()
	if diag=$("$GV_ROOT/scripts/khc-judge.py" "$name" "$WORK/$name.khc.json" "$EXPECTED" "${judge[@]}"); then
		gv_tap ok "khc $name${judge:+ (informational)}" "$(grep -v ': \(kconfig\|cmdline\) ' <<<"$diag")"
	else
		gv_tap fail "khc $name" "$(grep -v ': \(kconfig\|cmdline\) ' <<<"$diag")"
	fi
	gv_tap_note "$(grep ': \(kconfig\|cmdline\) ' <<<"$diag")"
done

gv_tap_end || true
