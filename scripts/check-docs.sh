#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Documentation check, reported as TAP on stdout:
#  - the kernel's scripts/kernel-doc -none -Wall prints nothing for each of
#    our uapi headers;
#  - `make htmldocs` of the kernel book our gzvm and bpmp-host pages are in
#    (SPHINXDIRS=virt, under a minute once its cache is warm), in the
#    tree with the patch series applied, gives no Sphinx warning or error that names one of
#    our pages or headers (the kernel's own pages are not held against us).
#    Skipped, with the reason, when sphinx-build is missing;
#  - our pages in other books (driver-api, whose Sphinx build takes ten
#    minutes on two cores) use no Sphinx-only markup and pass docutils with
#    no warning. `make -C $KSRC htmldocs SPHINXDIRS=driver-api` checks them
#    fully.
#
#   check-docs.sh KSRC

set -uo pipefail
. "$(dirname "$0")/common.sh"

KSRC=${1:?usage: check-docs.sh KSRC}
W=$GV_CACHE/docs-check
mkdir -p "$W"
HEADERS=(gzvm/include/uapi/linux/gzvm.h bpmp-virt/include/uapi/linux/bpmp_host_proxy.h)
BOOKS="virt"


for h in "${HEADERS[@]}"; do
	diag=$("$KSRC/scripts/kernel-doc" -none -Wall "$GV_ROOT/$h" 2>&1)
	if [ -z "$diag" ] && grep -q '^/\*\*$' "$GV_ROOT/$h"; then
		gv_tap ok "kernel-doc -none -Wall $h"
	else
		gv_tap fail "kernel-doc -none -Wall $h" "$(sed 's/^/# /' <<<"${diag:-no kernel-doc comment}")"
	fi
done

for page in $(cd "$GV_ROOT" && find Documentation -name '*.rst' ! -path "Documentation/$BOOKS/*" | sort); do
	diag=$(python3 -m docutils --halt=warning --report=warning "$GV_ROOT/$page" /dev/null 2>&1)
	if [ -z "$diag" ]; then
		gv_tap ok "docutils $page"
	else
		gv_tap fail "docutils $page" "$(sed 's/^/# /' <<<"$diag")"
	fi
done

if ! command -v sphinx-build >/dev/null; then
	gv_tap skip "make htmldocs SPHINXDIRS=\"$BOOKS\"" "sphinx-build not found (scripts/setup.sh installs python3-sphinx)"
elif ! "$GV_ROOT/scripts/apply-series.sh" "$KSRC" 2>"$W/apply.err"; then
	gv_tap fail "the patch series places our pages in the kernel tree" "$(sed 's/^/# /' "$W/apply.err")"
else
	log "make htmldocs SPHINXDIRS=\"$BOOKS\" (minutes)"
	rc=0
	make -C "$KSRC" O="$W/out" SPHINXDIRS="$BOOKS" htmldocs >"$W/htmldocs.log" 2>&1 || rc=$?
	# Ours: our pages (linked into the tree) and our headers.
	ours=$(cd "$GV_ROOT" && find Documentation -name '*.rst' | sed 's|^Documentation/||; s|\.rst$||')
	pat=$(printf '%s\n' $ours "${HEADERS[@]##*/}" | sed 's/[.]/\\./g' | paste -sd'|')
	diag=$(grep -E 'WARNING|ERROR|CRITICAL' "$W/htmldocs.log" | grep -E "$pat")
	if [ $rc = 0 ] && [ -z "$diag" ]; then
		gv_tap ok "make htmldocs SPHINXDIRS=\"$BOOKS\": no warning on our pages"
	else
		gv_tap fail "make htmldocs SPHINXDIRS=\"$BOOKS\"" \
			"$(sed 's/^/# /' <<<"${diag:-exit code $rc; see $W/htmldocs.log}" | head -40)"
	fi
fi

gv_tap_end || true
