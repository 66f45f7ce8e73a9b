# SPDX-License-Identifier: GPL-2.0
# Shared settings for the build and test scripts. Sourced, never run.

# Project root (the directory holding this scripts/ folder).
GV_ROOT=${GV_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

# Everything large lives outside the checkout, keyed so that different kernels
# or toolchains never share object files.
GV_CACHE=${GV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ghaf-virt}

# Pinned inputs.
GV_KSERIES=${GV_KSERIES:-7.3}
GV_LLVM_VER=${GV_LLVM_VER:-22}
GV_BINDGEN_VER=${GV_BINDGEN_VER:-0.73.2}
GV_DTSCHEMA_VER=${GV_DTSCHEMA_VER:-2026.9}

GV_LLVM="-${GV_LLVM_VER}"
export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-${GV_LLVM_VER}/lib}
export PATH="$HOME/.cargo/bin:$GV_CACHE/tools/bin:$PATH"
# The kernel tree is a git repository (the series is applied with git am);
# without this the kernel's setlocalversion would append "+" to the release.
export LOCALVERSION=

die() {
	echo "error: $*" >&2
	exit 1
}

log() {
	echo "==> $*" >&2
}

# Runs a command with its output in LOG and, every 30 s while it runs, a line
# on stderr saying what runs, for how long, and the last line of LOG that
# matches REGEX (how far it got). Returns the command's status.
gv_run_logged() { # what log regex cmd...
	local what=$1 file=$2 rx=$3 pid t=0 rc=0
	shift 3
	"$@" >"$file" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		t=$((t + 1))
		if [ $((t % 30)) -eq 0 ]; then
			log "$what: ${t} s, at: $(grep -aE "$rx" "$file" 2>/dev/null | tail -1 |
				tr -d '\r' | sed 's/^ *//' | cut -c1-90)"
		fi
	done
	wait "$pid" || rc=$?
	return $rc
}

# Number of parallel jobs: cores + 1, as upstream recommends.
gv_jobs() {
	echo $(($(nproc) + 1))
}

# The kernel-tree folders of the drivers, one per line, e.g.
# drivers/virt/geniezone.
gv_driver_dirs() {
	python3 "$GV_ROOT/scripts/series.py" drivers
}

# An extended regular expression for the kernel-tree paths of the project's
# code: the driver folders and our files in rust/kernel.
gv_tree_regex() {
	local mods
	mods=$(cd "$GV_ROOT/rust/kernel" && ls -- *.rs | sed 's/[.]rs$//' | paste -sd'|')
	printf '(%s)/|rust/kernel/(%s)[.]rs' "$(gv_driver_dirs | paste -sd'|')" "$mods"
}

# Rust and C diagnostics in build log $1 that name one of our files: a Rust
# one is "warning: ..." followed by "--> <path>", a C one starts with the
# path.
gv_our_diagnostics() {
	awk -v rx="$(gv_tree_regex)" '
		/^(warning|error)(\[[^]]*\])?:/ { head = $0; next }
		$0 ~ "^ *--> .*(" rx ")" && head != "" { print head; print; head = ""; next }
		$0 ~ "(" rx ").*: (warning|error):" { print }
	' "$1"
}

# TAP for the host checks.
#   gv_tap ok|fail|skip DESCRIPTION [DIAG]
# records one test point. DIAG is a file (its first 40 lines) or text; it is
# printed under the point as "# " lines (a line that already starts with
# "#" is kept as it is), except for a skip, where it is the reason.
#   gv_tap_note TEXT
# adds TEXT as "# " lines between points. gv_tap_end prints the header, the
# plan and everything recorded, and returns 1 if a point failed.
GV_TAP=()
GV_TAP_N=0
gv_tap_diag() {
	if [ -f "$1" ]; then head -40 "$1"; else printf '%s\n' "$1"; fi |
		sed '/^$/d; /^#/!s/^/# /'
}
gv_tap() {
	GV_TAP_N=$((GV_TAP_N + 1))
	case $1 in
	ok) GV_TAP+=("ok $GV_TAP_N $2") ;;
	skip) GV_TAP+=("ok $GV_TAP_N $2 # SKIP ${3:-}") ;;
	*) GV_TAP+=("not ok $GV_TAP_N $2") ;;
	esac
	if [ "$1" != skip ] && [ -n "${3:-}" ]; then
		GV_TAP+=("$(gv_tap_diag "$3")")
	fi
	return 0
}
gv_tap_note() {
	[ -z "$1" ] || GV_TAP+=("$(gv_tap_diag "$1")")
}
gv_tap_end() {
	echo "TAP version 13"
	echo "1..$GV_TAP_N"
	printf '%s\n' "${GV_TAP[@]}" | sed '/^$/d'
	! printf '%s\n' "${GV_TAP[@]}" | grep -q '^not ok'
}

# gv_build_gate DESCRIPTION KSRC BUILD_DIR TARGET...: build the TARGETs with
# clippy into BUILD_DIR (log: BUILD_DIR/build.log) and record one TAP point,
# ok if make succeeds and no diagnostic names one of our files.
gv_build_gate() {
	local what=$1 ksrc=$2 b=$3 diag
	shift 3
	diag=$(mktemp)
	if make -C "$ksrc" O="$b" ARCH=arm64 LLVM="$GV_LLVM" CLIPPY=1 -j"$(gv_jobs)" "$@" \
		>"$b/build.log" 2>&1; then
		gv_our_diagnostics "$b/build.log" >"$diag"
	else
		grep -E -B2 -A12 '^(error|warning)|Error [0-9]' "$b/build.log" | head -60 >"$diag"
		[ -s "$diag" ] || echo "make failed (log: $b/build.log)" >"$diag"
	fi
	if [ -s "$diag" ]; then
		gv_tap fail "$what" "$diag"
	else
		gv_tap ok "$what"
	fi
	rm -f "$diag"
}
