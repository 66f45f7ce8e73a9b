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
#  - every rust/bindings/<name>.h is #included by rust/bindings/bindings_helper.h;
# the documentation: every file of our Documentation/ (reStructuredText and
# device-tree bindings) as a symlink at the same path, a toctree line for
# each page in the kernel's index pages, and our vendor prefixes in
# Documentation/devicetree/bindings/vendor-prefixes.yaml;
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

# Documentation: every .rst and .yaml file under our Documentation/ becomes a
# symlink at the same path in the kernel tree (device-tree bindings where
# `make dt_binding_check` finds them, reStructuredText where `make htmldocs`
# does); a file of the kernel's own is never replaced. The index pages of
# the kernel's books get a toctree line for each of our pages, and the
# vendor-prefix registry our prefix (scripts/vendor-prefixes.py).
while IFS= read -r -d '' f; do
	rel=${f#"$GV_ROOT"/}
	dst=$KSRC/$rel
	if [ -e "$dst" ] && [ ! -L "$dst" ]; then
		die "$dst is a file of the kernel tree; $rel must not replace it"
	fi
	mkdir -p "$(dirname "$dst")"
	ln -sfn "$f" "$dst"
done < <(find "$GV_ROOT/Documentation" -type f \( -name '*.rst' -o -name '*.yaml' \) -print0)
# Links to files we no longer have (a renamed page) go.
find "$KSRC/Documentation" -type l -lname "$GV_ROOT/Documentation/*" ! -exec test -e {} \; \
	-delete

# toctree_add INDEX AFTER ENTRY: add "   ENTRY" to INDEX's toctree, after the
# line "   AFTER", unless it is there.
toctree_add() {
	local index=$KSRC/Documentation/$1 tmp
	grep -qxF "   $3" "$index" && return
	grep -qxF "   $2" "$index" || die "$index has no toctree line '$2' to add '$3' after"
	tmp=$(mktemp)
	awk -v a="   $2" -v e="   $3" '{ print } $0 == a { print e }' "$index" >"$tmp"
	cat "$tmp" >"$index"
	rm -f "$tmp"
}
toctree_add virt/index.rst hyperv/index geniezone/index
toctree_add virt/index.rst geniezone/index bpmp-host
toctree_add driver-api/index.rst vfio vfio-platform-ext

python3 "$GV_ROOT/scripts/vendor-prefixes.py" \
	"$KSRC/Documentation/devicetree/bindings/vendor-prefixes.yaml" \
	"$GV_ROOT/Documentation/devicetree/bindings/vendor-prefixes.yaml.add" ||
	die "cannot add our vendor prefixes to the kernel's vendor-prefixes.yaml"

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
