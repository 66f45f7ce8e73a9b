#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Make the patch series (scripts/series.py) against KSRC's pristine tree and
# apply it there with git am, so the tree that is built, tested and
# documented is exactly "pristine + series".
#
#   apply-series.sh KSRC [PATCH_DIR]
#
# KSRC is a git tree whose tag gv-base is the pristine source: the Debian
# tree (scripts/debian-fetch.sh makes it so), or your own tree for KDIR=
# (tag the commit to build on: git tag gv-base). The series is applied on a
# detached HEAD at gv-base; no branch moves. Tracked files must be
# unmodified, except by an earlier run of this script.
#
# Builds stay incremental: when the series is unchanged nothing is touched,
# and after a new git am each file whose content did not change gets its
# old timestamp back. The patches are written to PATCH_DIR (default
# $GV_OUT/patches or out/patches).

set -euo pipefail
. "$(dirname "$0")/common.sh"

KSRC=${1:?usage: apply-series.sh KSRC [PATCH_DIR]}
P=${2:-${GV_OUT:-$GV_ROOT/out}/patches}
g() { git -C "$KSRC" -c user.name=ghaf-virt -c user.email=ghaf-virt@localhost "$@"; }

g rev-parse -q --verify gv-base >/dev/null ||
	die "$KSRC has no tag gv-base: tag the pristine commit to build on (git -C $KSRC tag gv-base <commit>)"

python3 "$GV_ROOT/scripts/series.py" make "$KSRC" "$P" ||
	die "cannot make the patch series (series/series.txt)"

head=$(g rev-parse HEAD)
# What the last run applied (recorded below), if HEAD is still there.
applied=$(g config --get gv.applied || true)
if [ "$head" = "$applied" ] && [ -z "$(g status --porcelain --untracked-files=no)" ] &&
	g diff --quiet refs/gv/series HEAD; then
	log "patch series: $KSRC already holds it"
	exit 0
fi
if [ "$head" != "$applied" ] && [ "$head" != "$(g rev-parse gv-base)" ]; then
	die "$KSRC: HEAD is neither gv-base nor the series this script applied; check it out (git -C $KSRC checkout --detach gv-base)"
fi

# Timestamps of the files the current HEAD changed, with their content.
stamps=$(mktemp)
trap 'rm -f "$stamps"' EXIT
g diff --name-only gv-base HEAD | while IFS= read -r f; do
	[ -f "$KSRC/$f" ] && printf '%s %s %s\n' "$(stat -c %Y "$KSRC/$f")" \
		"$(g hash-object -- "$f")" "$f"
done >"$stamps"

patches=()
for p in "$P"/[0-9][0-9][0-9][0-9]-*.patch; do
	[ "$(basename "$p")" = 0000-cover-letter.patch ] || patches+=("$p")
done
[ ${#patches[@]} -gt 0 ] || die "no patches in $P"
g checkout -q -f --detach gv-base
# git am itself checks that each patch applies to pristine + the ones before.
if ! g am -q --whitespace=error-all "${patches[@]}" 2>"$stamps.err" ||
	[ "${#patches[@]}" -ne "$(g rev-list --count gv-base..HEAD)" ]; then
	cat "$stamps.err" >&2
	g am --abort 2>/dev/null || true
	g checkout -q -f --detach gv-base
	die "the patch series does not apply to the pristine tree in $KSRC"
fi
rm -f "$stamps.err"
# The patches, applied, give the tree the series was made from.
g diff --quiet refs/gv/series HEAD ||
	die "git am of $P gives a different tree than series.py committed"

while read -r t h f; do
	[ -f "$KSRC/$f" ] && [ "$(g hash-object -- "$f")" = "$h" ] && touch -d "@$t" "$KSRC/$f"
done <"$stamps"
g config gv.applied "$(g rev-parse HEAD)"
log "patch series: $(g rev-list --count gv-base..HEAD) patches applied to $KSRC with git am"
