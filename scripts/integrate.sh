#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Place the project into a kernel source tree: one symlink for the drivers
# (drivers/ghaf_virt -> project root, whose Kbuild lists the driver folders),
# one for each uapi header, one idempotent line each in drivers/Kconfig,
# drivers/Makefile and rust/bindgen_parameters (a bindgen layout fix, below),
# and the project's kernel-crate additions (rust/):
#  - every rust/kernel/<name>.rs becomes `kernel::<name>` (a #[path] module
#    declaration in rust/kernel/lib.rs, through a symlink
#    rust/kernel/ghaf_virt -> our rust/kernel),
#  - every rust/helpers/<name>.c is #included by rust/helpers/helpers.c,
#  - every rust/bindings/<name>.h is #included by rust/bindings/bindings_helper.h,
# and a copy of each kselftest suite (selftests/<suite>) in
# tools/testing/selftests/<suite>.
# The generated blocks sit between marker lines and a file is only rewritten
# when its content changes, so re-running rebuilds nothing and a changed
# driver file rebuilds incrementally.
#
#   integrate.sh KSRC

set -euo pipefail
. "$(dirname "$0")/common.sh"

KSRC=${1:?usage: integrate.sh KSRC}
[ -f "$KSRC/Kbuild" ] && [ -d "$KSRC/drivers" ] || die "$KSRC is not a kernel source tree"

ln -sfn "$GV_ROOT" "$KSRC/drivers/ghaf_virt"
for h in "$GV_ROOT"/*/include/uapi/linux/*.h; do
	ln -sfn "$h" "$KSRC/include/uapi/linux/$(basename "$h")"
done

if ! grep -q 'drivers/ghaf_virt/drivers/Kconfig' "$KSRC/drivers/Kconfig"; then
	# Source our menu just before the final endmenu.
	tmp=$(mktemp)
	awk '{ lines[NR] = $0 } END {
		last = 0
		for (i = NR; i > 0; i--) if (lines[i] ~ /^endmenu/) { last = i; break }
		for (i = 1; i <= NR; i++) {
			if (i == last) print "source \"drivers/ghaf_virt/drivers/Kconfig\"\n"
			print lines[i]
		}
	}' "$KSRC/drivers/Kconfig" >"$tmp"
	cat "$tmp" >"$KSRC/drivers/Kconfig"
	rm -f "$tmp"
fi
grep -q '^obj-y[[:space:]]*+= ghaf_virt/' "$KSRC/drivers/Makefile" ||
	printf 'obj-y\t\t\t\t+= ghaf_virt/\n' >>"$KSRC/drivers/Makefile"

# bindgen (0.73) drops the alignment of an empty struct that has an alignment
# attribute. Without SCHEDSTATS, `struct sched_statistics {} ____cacheline_aligned`
# becomes a 1-aligned Rust struct, so every task_struct field after `stats`
# (mm, pid, tgid, group_leader, ...) is at the wrong offset in Rust. As an opaque
# type it keeps its alignment. See docs/bindgen-task-struct.md;
# scripts/check-layouts.sh checks the result.
grep -q '^--opaque-type sched_statistics$' "$KSRC/rust/bindgen_parameters" ||
	printf '\n# ghaf_virt (scripts/integrate.sh): docs/bindgen-task-struct.md\n--opaque-type sched_statistics\n' \
		>>"$KSRC/rust/bindgen_parameters"

# replace_block FILE BODY: put BODY between the ghaf_virt marker lines at the
# end of FILE; rewrite FILE only if that changes it.
replace_block() {
	local file=$1 body=$2 begin="// ghaf_virt: begin (scripts/integrate.sh)"
	local end="// ghaf_virt: end" tmp
	tmp=$(mktemp)
	awk -v b="$begin" -v e="$end" '$0 == b { skip = 1 } !skip { print } $0 == e { skip = 0 }' \
		"$file" >"$tmp"
	if [ -n "$body" ]; then
		printf '%s\n%s\n%s\n' "$begin" "$body" "$end" >>"$tmp"
	fi
	if cmp -s "$tmp" "$file"; then
		rm -f "$tmp"
	else
		cat "$tmp" >"$file"
		rm -f "$tmp"
	fi
}

# The modules are reached through rust/kernel/ghaf_virt -> our rust/kernel, a
# directory below the crate root: the doc-test generator
# (scripts/rustdoc_test_gen.rs) finds a test's file only under rust/kernel/.
ln -sfn ../../drivers/ghaf_virt/rust/kernel "$KSRC/rust/kernel/ghaf_virt"

# A module that needs a config option says so with an inner attribute before
# its first item, `#![cfg(CONFIG_FOO)]`; its declaration in lib.rs gets the
# same gate, the way lib.rs gates upstream's own modules
# (`#[cfg(CONFIG_NET)] pub mod net;`). Its helpers and bindings are gated with
# `#ifdef CONFIG_FOO` in the C files.
body=""
for f in "$GV_ROOT"/rust/kernel/*.rs; do
	[ -e "$f" ] || continue
	name=$(basename "$f" .rs)
	gate=$(sed -n 's/^#!\[cfg(\(.*\))\]$/#[cfg(\1)]/p' "$f" | head -1)
	[ -n "$gate" ] && body+="$gate"$'\n'
	body+="#[path = \"ghaf_virt/$name.rs\"]"$'\n'"pub mod $name;"$'\n'
done
replace_block "$KSRC/rust/kernel/lib.rs" "${body%$'\n'}"

# include_block FILE DIR EXT: #include every rust/DIR/*.EXT in FILE.
include_block() {
	local file=$1 dir=$2 ext=$3 body="" f
	for f in "$GV_ROOT/rust/$dir"/*."$ext"; do
		[ -e "$f" ] || continue
		body+="#include \"../../drivers/ghaf_virt/rust/$dir/$(basename "$f")\""$'\n'
	done
	replace_block "$file" "${body%$'\n'}"
}

# The uapi header, for the kernel crate's `uapi` bindings (read by gzvm/uapi.rs).
replace_block "$KSRC/rust/uapi/uapi_helper.h" '#include <uapi/linux/gzvm.h>'

include_block "$KSRC/rust/helpers/helpers.c" helpers c
include_block "$KSRC/rust/bindings/bindings_helper.h" bindings h

# The kselftest suites, as real directories: lib.mk finds itself with
# $(realpath) of the including Makefile's "../lib.mk", so a symlinked suite
# would look for lib.mk next to our checkout. rsync --checksum rewrites only
# changed files (unchanged ones keep their mtime, so nothing rebuilds) and
# --delete drops files removed here. Edit the suites in the checkout: the
# copies are overwritten on every run.
for d in "$GV_ROOT"/selftests/*/Makefile; do
	suite=$(basename "$(dirname "$d")")
	dst="$KSRC/tools/testing/selftests/$suite"
	[ -L "$dst" ] && rm -f "$dst"
	rsync -a --checksum --delete "$GV_ROOT/selftests/$suite/" "$dst/" ||
		die "cannot copy selftests/$suite into $KSRC"
done
