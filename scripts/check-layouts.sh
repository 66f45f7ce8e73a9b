#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Compare bindgen's layout of the structs our Rust code and the kernel crate
# read (scripts/layout/structs) with C's, in a built kernel tree; TAP on stdout.
#
#  - C side: scripts/layout/probe.h compiled to assembly with the exact command
#    line of a kernel object (init/main.o), constants extracted the way the
#    kernel's asm-offsets are: offsetof/sizeof/alignof of every field.
#  - Rust side: the same constants through offset_of!/size_of/align_of,
#    compiled with the kernel's rustc flags against the build's own
#    rust/libbindings.rmeta, i.e. exactly what the kernel crate sees.
#
# Fields are bindgen's, with anonymous structs and unions flattened as C names
# them; bitfield units and bindgen padding are skipped. A record bindgen only
# knows as incomplete (C keeps it private) is skipped with a note. The last
# point checks the checker: a struct bindgen 0.73 is known to get wrong
# (scripts/layout/selftest.h) must be reported as mismatched.
#
#   check-layouts.sh KSRC BUILD_DIR

set -uo pipefail
. "$(dirname "$0")/common.sh"

KSRC=${1:?usage: check-layouts.sh KSRC BUILD_DIR}
B=${2:?usage: check-layouts.sh KSRC BUILD_DIR}
L=$GV_ROOT/scripts/layout
[ -f "$KSRC/Kbuild" ] || die "$KSRC is not a kernel source tree"
for f in "$B/init/.main.o.cmd" "$B/rust/.bindings.o.cmd" "$B/rust/libbindings.rmeta" \
	"$B/rust/bindings/bindings_generated.rs"; do
	[ -f "$f" ] || die "$f missing: build the kernel with CONFIG_RUST first"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export RUSTC_BOOTSTRAP=1

# The command line kbuild saved for a target (first line of its .cmd file).
savedcmd() {
	sed -n '1s/^savedcmd_[^ ]* := *//p' "$1"
}

# C compiler and flags of init/main.o, without dependency output, -c/-o and
# the source file.
CC=()
eval "set -- $(savedcmd "$B/init/.main.o.cmd")"
while [ $# -gt 0 ]; do
	case $1 in
	-Wp,-MMD,*|-c) ;;
	-o) shift ;;
	*.c) ;;
	*) CC+=("$1") ;;
	esac
	shift
done

# rustc flags of the bindings crate that decide the target and ABI (the
# precompiled core refuses a crate built with different -Z sanitizer/x18 flags).
RUSTC=(rustc)
eval "set -- $(savedcmd "$B/rust/.bindings.o.cmd")"
while [ $# -gt 0 ]; do
	case $1 in
	--edition=*|--target=*|--sysroot=*|-Z*|-C*) RUSTC+=("$1") ;;
	esac
	shift
done

# gen_probes FIELDLIST OUTDIR CHEADER: write OUTDIR/probe.c and OUTDIR/probe.rs.
gen_probes() {
	local list=$1 dir=$2 header=$3
	{
		echo "#include \"$header\""
		echo "#include <linux/stddef.h>"
		# "->F <struct> <field> <offset> <size> <align>", "->S <struct> <size> <align>"
		cat <<-'EOF'
		#define GV_FIELD(kind, s, f) asm volatile("\n.ascii \"->F " #s " " #f " %0 %1 %2\"" \
			: : "i" (offsetof(kind s, f)), "i" (sizeof(((kind s *)0)->f)), \
			    "i" (__alignof__(__typeof__(((kind s *)0)->f))))
		#define GV_FAM(kind, s, f) asm volatile("\n.ascii \"->F " #s " " #f " %0 - -\"" \
			: : "i" (offsetof(kind s, f)))
		#define GV_RECORD(kind, s) asm volatile("\n.ascii \"->S " #s " %0 %1\"" \
			: : "i" (sizeof(kind s)), "i" (__alignof__(kind s)))
		EOF
		echo "void gv_layout_probe(void);"
		echo "void gv_layout_probe(void)"
		echo "{"
		awk '$1 == "S" { print "\tGV_RECORD(" $3 ", " $2 ");" }
		     $1 == "O" && $3 == "opaque" { print "\tGV_RECORD(" $4 ", " $2 ");" }
		     $1 == "F" { print "\tGV_" ($5 == "fam" ? "FAM" : "FIELD") "(" kind[$2] ", " $2 ", " $3 ");" }
		     $1 == "S" { kind[$2] = $3 }' "$list"
		echo "}"
	} >"$dir/probe.c"
	{
		cat "$L/probe.rs"
		awk '$1 == "S" || ($1 == "O" && $3 == "opaque") { print "record!(" $2 ");" }
		     $1 == "F" { print ($5 == "fam" ? "fam" : "field") "!(" $2 ", \"" $3 "\", " $4 ");" }' "$list"
	} >"$dir/probe.rs"
}

# build_probes DIR BINDINGS_RMETA: DIR/c.txt and DIR/rs.txt hold the constants.
build_probes() {
	local dir=$1 rmeta=$2
	(cd "$B" && "${CC[@]}" -w -S -o "$dir/c.s" "$dir/probe.c") >"$dir/c.log" 2>&1 || return 1
	"${RUSTC[@]}" --crate-type rlib --crate-name gv_layout_probe --emit=asm="$dir/rs.s" \
		--extern bindings="$rmeta" -L "$B/rust" "$dir/probe.rs" >"$dir/rs.log" 2>&1 || return 1
	grep -o -- '->[SF] [^"]*' "$dir/c.s" | cut -c3- >"$dir/c.txt"
	grep -o -- '->[SF] [^"]*' "$dir/rs.s" | cut -c3- >"$dir/rs.txt"
}

# compare LIST DIR: one line per struct of LIST, "ok <name>[ # SKIP why]" or
# "not ok <name>: <first difference>" followed by "# ..." diagnostics, fields
# taken in C offset order.
compare() {
	awk '
	FILENAME == ARGV[1] {
		if ($1 == "S" || $1 == "O") { order[++n] = $2; what[$2] = $1 " " $3 }
		if ($1 == "F") listed[$2]++
		next
	}
	FILENAME == ARGV[2] { side = "c" }
	FILENAME == ARGV[3] { side = "rs" }
	$1 == "S" { size[side, $2] = $3; align[side, $2] = $4; next }
	$1 == "F" {
		k = $2 SUBSEP $3
		if (side == "c") { nfield[$2]++; fld[$2, nfield[$2]] = $3 }
		off[side, k] = $4; fsize[side, k] = $5; falign[side, k] = $6
	}
	END {
		for (i = 1; i <= n; i++) {
			s = order[i]
			if (what[s] ~ /^O (incomplete|absent)/) {
				sub(/^O /, "", what[s])
				print "ok " s " # SKIP " what[s] " type for bindgen (C keeps its definition private)"
				continue
			}
			if (!(("c", s) in size) || !(("rs", s) in size) || nfield[s] + 0 != listed[s] + 0) {
				print "not ok " s ": probe output incomplete (" nfield[s] + 0 " of " listed[s] + 0 " fields)"
				continue
			}
			# Fields in C offset order (insertion sort, stable).
			m = nfield[s]
			for (j = 1; j <= m; j++) idx[j] = j
			for (j = 2; j <= m; j++)
				for (l = j; l > 1 && off["c", s SUBSEP fld[s, idx[l]]] + 0 < off["c", s SUBSEP fld[s, idx[l - 1]]] + 0; l--) {
					t = idx[l]; idx[l] = idx[l - 1]; idx[l - 1] = t
				}
			first = ""; bad = 0; diag = ""
			for (j = 1; j <= m; j++) {
				f = fld[s, idx[j]]; k = s SUBSEP f
				if (!(("rs", k) in off))
					msg = "field " f " missing in the bindgen probe"
				else if (off["c", k] != off["rs", k])
					msg = "field " f " at C offset " off["c", k] ", bindgen " off["rs", k]
				else if (fsize["c", k] != fsize["rs", k] || falign["c", k] != falign["rs", k])
					msg = "field " f ": C size " fsize["c", k] " align " falign["c", k] ", bindgen size " fsize["rs", k] " align " falign["rs", k]
				else
					continue
				bad++
				if (first == "") first = msg
				if (bad <= 8)
					diag = diag sprintf("\n# %s: C offset %s size %s align %s, bindgen offset %s size %s align %s", f,
						off["c", k], fsize["c", k], falign["c", k], off["rs", k], fsize["rs", k], falign["rs", k])
			}
			if (size["c", s] != size["rs", s] || align["c", s] != align["rs", s]) {
				msg = "size " size["c", s] " align " align["c", s] " in C, bindgen size " size["rs", s] " align " align["rs", s]
				first = first == "" ? msg : first "; " msg
				bad++
			}
			if (bad == 0)
				print "ok " s " layout matches"
			else {
				print "not ok " s ": " first diag
				if (bad > 8) print "# ... " bad " differences in all"
			}
		}
	}' "$1" "$2/c.txt" "$2/rs.txt"
}

n=0
fail=0
results=()
point() { # "ok <description>" | "not ok <description>"
	n=$((n + 1))
	case $1 in
	"not ok "*) results+=("not ok $n - ${1#not ok }"); fail=1 ;;
	*) results+=("ok $n - ${1#ok }") ;;
	esac
}
diag() { # TEXT: its first 40 lines as TAP diagnostics
	local line
	while IFS= read -r line; do
		results+=("# $line")
	done < <(printf '%s\n' "$1" | head -40)
}

# The structs of scripts/layout/structs, in the kernel build.
mapfile -t STRUCTS < <(sed 's/#.*//' "$L/structs" | awk 'NF { print $1 }')
mkdir -p "$tmp/kernel"
awk -v WANT="${STRUCTS[*]}" -f "$L/fields.awk" "$B/rust/bindings/bindings_generated.rs" \
	>"$tmp/kernel/list"
gen_probes "$tmp/kernel/list" "$tmp/kernel" "$L/probe.h"
if build_probes "$tmp/kernel" "$B/rust/libbindings.rmeta"; then
	while IFS= read -r line; do
		case $line in
		"# "*) results+=("$line") ;;
		*) point "$line" ;;
		esac
	done < <(compare "$tmp/kernel/list" "$tmp/kernel")
else
	point "not ok the layout probes build"
	diag "$(cat "$tmp/kernel/c.log" "$tmp/kernel/rs.log")"
fi

# The checker's own test: a struct bindgen gets wrong must fail the comparison.
self=$tmp/selftest
mkdir -p "$self"
if bindgen "$L/selftest.h" --use-core --ctypes-prefix core::ffi --no-layout-tests \
	--allowlist-type 'gv_layout_.*' -o "$self/gen.rs" -- --target=aarch64-linux-gnu '-D__aligned(x)=__attribute__((__aligned__(x)))' \
	>"$self/bindgen.log" 2>&1 &&
	printf '#![no_std]\n#![allow(non_camel_case_types)]\ninclude!("gen.rs");\n' >"$self/lib.rs" &&
	"${RUSTC[@]}" --crate-type rlib --crate-name bindings --emit=metadata="$self/libbindings.rmeta" \
		-L "$B/rust" "$self/lib.rs" >"$self/rustc.log" 2>&1 &&
	awk -v WANT="gv_layout_selftest" -f "$L/fields.awk" "$self/gen.rs" >"$self/list" &&
	gen_probes "$self/list" "$self" "$L/selftest.h" &&
	build_probes "$self" "$self/libbindings.rmeta"; then
	got=$(compare "$self/list" "$self" | head -1)
	case $got in
	"not ok "*)
		point "ok the check reports a deliberately mismatched struct"
		diag "${got#not ok }"
		;;
	*)
		point "not ok the check reports a deliberately mismatched struct"
		diag "gv_layout_selftest compared equal: has bindgen learnt to align empty structs
(docs/bindgen-task-struct.md)? Then make scripts/layout/selftest.h mismatch another way."
		;;
	esac
else
	point "not ok the check's self-test builds"
	diag "$(cat "$self"/*.log 2>/dev/null)"
fi

echo "TAP version 13"
echo "1..$n"
printf '%s\n' "${results[@]}"
exit $fail
