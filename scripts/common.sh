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
