#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The patch series (make patches), reported as TAP on stdout:
#  - the tree that was built is the pristine tree plus the series, applied
#    with git am (scripts/apply-series.sh), and equals the tree series.py
#    committed;
#  - the cover letter names the exact pinned kernel;
#  - the kernel's checkpatch.pl, in the patch mode reviewers use, finds
#    nothing in each patch. FILE_PATH_CHANGES ("does MAINTAINERS need
#    updating?") is not counted: the MAINTAINERS entries are the series' last
#    patch, after the files they name exist.
#
#   check-series.sh KSRC [PATCH_DIR]

set -uo pipefail
. "$(dirname "$0")/common.sh"

KSRC=${1:?usage: check-series.sh KSRC [PATCH_DIR]}
P=${2:-${GV_OUT:-$GV_ROOT/out}/patches}
g() { git -C "$KSRC" "$@"; }

mapfile -t patches < <(sed "s|^|$P/|" "$P/series" 2>/dev/null)
ver=$(cat "$KSRC/.gv-debian-version" 2>/dev/null || make -s -C "$KSRC" kernelversion)

applied=$(g rev-list --count gv-base..HEAD 2>/dev/null || echo 0)
what="the ${#patches[@]} patches are applied to pristine linux-source $ver with git am, nothing else changed"
if [ "${#patches[@]}" -eq 0 ]; then
	gv_tap fail "$what" "no series in $P (run scripts/apply-series.sh)"
elif [ "$applied" != "${#patches[@]}" ]; then
	gv_tap fail "$what" "$KSRC has $applied commits on gv-base"
elif ! g diff --quiet refs/gv/series HEAD || [ -n "$(g status --porcelain --untracked-files=no)" ]; then
	gv_tap fail "$what" "$(g status --short --untracked-files=no | head; g diff --stat refs/gv/series HEAD | tail -3)"
else
	gv_tap ok "$what"
fi

if grep -qF "$ver" "$P/0000-cover-letter.patch" 2>/dev/null; then
	gv_tap ok "the cover letter names the base, linux-source $ver"
else
	gv_tap fail "the cover letter names the base, linux-source $ver"
fi

for p in "${patches[@]}"; do
	if d=$(perl "$KSRC/scripts/checkpatch.pl" --no-tree --quiet --terse --show-types \
		--ignore FILE_PATH_CHANGES "$p" 2>&1); then
		gv_tap ok "checkpatch $(basename "$p")"
	else
		gv_tap fail "checkpatch $(basename "$p")" "$d"
	fi
done
gv_tap_end
