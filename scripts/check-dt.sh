#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Device-tree check, reported as TAP on stdout:
#  - the kernel's own `make dt_binding_check` passes, without a diagnostic,
#    on our bindings for the kernel tree (Documentation/devicetree/bindings/,
#    which the patch series adds to it) and on the kernel's
#    vendor-prefixes.yaml with our prefixes added;
#  - every vendor prefix of a compatible in our bindings and overlays is
#    registered in that vendor-prefixes.yaml;
#  - every binding, those for the kernel tree and the test-only ones in
#    dt-overlays/bindings/ (models that exist only in test kernels), is a
#    valid dt-schema (dt-doc-validate) and its example validates against the
#    schemas;
#  - every overlay in dt-overlays/overlays.list builds with cpp + dtc -@
#    without a warning, applies with fdtoverlay to each of its base DTBs
#    (kernel-tree DTBs built with symbols, QEMU's dumped `virt` DTB), and
#    the result has no dt-validate diagnostic that the base DTB does not
#    already have (upstream's own DTBs are not schema-clean; their
#    diagnostics are counted and reported, not held against us);
#  - every broken case in dt-overlays/tests/reject/ is rejected, at the
#    stage it names (build, apply or schema).
#
#   check-dt.sh KSRC WORKDIR

set -uo pipefail
. "$(dirname "$0")/common.sh"
. "$GV_ROOT/scripts/dt-lib.sh"

KSRC=${1:?usage: check-dt.sh KSRC WORKDIR}
W=${2:?work dir}
KBINDINGS=Documentation/devicetree/bindings
LIST="$GV_ROOT/dt-overlays/overlays.list"
REJECT="$GV_ROOT/dt-overlays/tests/reject"

rm -rf "$W"
mkdir -p "$W"/{dtbo,dtb,ex,diag}
MANIFEST="$W/manifest"
: >"$MANIFEST"

# point STATUS NAME [DIAG_FILE]: a result decided here.
point() {
	printf 'point\t%s\t%s\t%s\n' "$1" "$2" "${3:-}" >>"$MANIFEST"
}
# newdiag: point $d at a fresh file for diagnostics.
ndiag=0
newdiag() {
	ndiag=$((ndiag + 1))
	d="$W/diag/$ndiag"
}

bail() {
	echo "TAP version 13"
	echo "1..1"
	echo "not ok 1 $1"
	[ -n "${2:-}" ] && sed 's/^/# /' "$2" | head -40
	exit 0
}

# --- tools and schemas ---
t0=$(date +%s)
VER=$("$GV_VENV/bin/dt-validate" -V 2>/dev/null)
[ "$VER" = "$GV_DTSCHEMA_VER" ] ||
	bail "dtschema $GV_DTSCHEMA_VER installed in $GV_VENV (found '${VER:-none}'; run scripts/setup.sh)"

kver=$(cat "$KSRC/.gv-debian-version" 2>/dev/null || make -s -C "$KSRC" kernelversion)
SCH="$GV_CACHE/dtschema/${kver//[~:]/_}-$VER"
mkdir -p "$SCH"
if [ ! -s "$SCH/upstream.json" ]; then
	log "processing the kernel's binding schemas with dt-mk-schema (once per kernel and dtschema version)"
	newdiag
	# The kernel's own files only: ours are links into this checkout.
	find "$KSRC/Documentation/devicetree/bindings" -type f -name '*.yaml' \
		! -name 'processed-schema*' >"$SCH/upstream.list"
	"$GV_VENV/bin/dt-mk-schema" -j -o "$SCH/upstream.json.new" \
		@"$SCH/upstream.list" 2>"$d" ||
		bail "dt-mk-schema on $KSRC/Documentation/devicetree/bindings" "$d"
	mv "$SCH/upstream.json.new" "$SCH/upstream.json"
fi

mapfile -t KYAMLS < <(cd "$GV_ROOT" && find "$KBINDINGS" -name '*.yaml' | sort)
mapfile -t YAMLS < <(cd "$GV_ROOT" && { printf '%s\n' "${KYAMLS[@]}"
	find dt-overlays/bindings -name '*.yaml' | sort; })
# bname FILE: how test points name a binding.
bname() {
	case $1 in
	"$KBINDINGS"/*) echo "${1#"$KBINDINGS"/}" ;;
	*) echo "test-only ${1#dt-overlays/bindings/}" ;;
	esac
}

# --- the kernel's dt_binding_check on ours ---
newdiag
if "$GV_ROOT/scripts/apply-series.sh" "$KSRC" 2>"$d"; then
	files=vendor-prefixes.yaml
	for y in "${KYAMLS[@]}"; do
		files+=":${y#"$KBINDINGS"/}"
	done
	log "make dt_binding_check on our bindings (minutes when a binding changed)"
	rc=0
	PATH="$GV_VENV/bin:$PATH" make -C "$KSRC" O="$GV_CACHE/dt-binding-check" \
		dt_binding_check DT_SCHEMA_FILES="$files" >"$W/dt_binding_check.log" 2>&1 || rc=$?
	# Anything but make's and kbuild's progress lines is a diagnostic.
	grep -v -e '^make\(\[[0-9]*\]\)\?: \(Entering\|Leaving\) directory' \
		-e '^  [A-Z][A-Z ]*\(\[[A-Z]\]\)\? \+[^ ]\+$' \
		"$W/dt_binding_check.log" >"$d"
	if [ $rc = 0 ] && [ ! -s "$d" ]; then
		point ok "make dt_binding_check DT_SCHEMA_FILES=$files"
	else
		echo "exit code $rc" >>"$d"
		point fail "make dt_binding_check DT_SCHEMA_FILES=$files" "$d"
	fi
else
	point fail "the patch series places our bindings in the kernel tree" "$d"
fi

# --- vendor prefixes ---
newdiag
VP=$KSRC/Documentation/devicetree/bindings/vendor-prefixes.yaml
# Vendor prefixes of compatibles (quoted, or YAML const/enum/list items) and
# of vendor properties (a line starting with "<vendor>,<name>").
(cd "$GV_ROOT" && cat "${YAMLS[@]}" dt-overlays/*.dtso) |
	grep -oE '(^ *(- *)?((const|enum): *)?|")[a-zA-Z0-9-]+,[a-zA-Z0-9#]' |
	sed -E 's/^ *(- *)?((const|enum): *)?//; s/"//; s/,.*//' | sort -u >"$W/vendors"
while read -r v; do
	grep -qF "  \"^$v,.*\":" "$VP" || echo "vendor prefix \"$v\" is not in $VP"
done <"$W/vendors" >"$d"
if [ -s "$W/vendors" ] && [ ! -s "$d" ]; then
	point ok "vendor prefixes registered: $(tr '\n' ' ' <"$W/vendors")"
else
	point fail "vendor prefixes of our compatibles are registered" "$d"
fi

for y in "${YAMLS[@]}"; do
	newdiag
	if "$GV_VENV/bin/dt-doc-validate" -u "$KSRC/Documentation/devicetree/bindings" \
		"$GV_ROOT/$y" >"$d" 2>&1 && [ ! -s "$d" ]; then
		point ok "binding $(bname "$y") is a valid schema"
	else
		point fail "binding $(bname "$y") is a valid schema" "$d"
	fi
done

# The merged schema set is cached (next to the upstream set it extends) by
# the hash of our bindings and the merge script.
key=$(cd "$GV_ROOT" && sha256sum "${YAMLS[@]}" scripts/dt-schema-merge.py | sha256sum | cut -c1-16)
SCHEMA="$SCH/merged-$key.json"
if [ ! -s "$SCHEMA" ]; then
	newdiag
	if "$GV_VENV/bin/python3" "$GV_ROOT/scripts/dt-schema-merge.py" "$SCH/upstream.json" \
		"$SCHEMA.new" "${YAMLS[@]/#/$GV_ROOT/}" 2>"$d"; then
		find "$SCH" -name 'merged-*.json' -delete
		mv "$SCHEMA.new" "$SCHEMA"
	else
		bail "our bindings merge into the upstream schema set" "$d"
	fi
fi
point ok "our bindings merge into the upstream schema set"

# Binding examples, compiled the way the kernel's dt_binding_check does
# (the same dtc warnings off; the interrupt controller dt-extract-example
# wraps around examples with interrupts trips dtc 1.6's interrupt_provider).
EXFLAGS=(-Wno-avoid_unnecessary_addr_size -Wno-unique_unit_address
	-Wunique_unit_address_if_enabled -Wno-interrupt_provider)
for y in "${YAMLS[@]}"; do
	n=$(basename "$y" .yaml)
	newdiag
	if "$GV_VENV/bin/dt-extract-example" "$GV_ROOT/$y" >"$W/ex/$n.dts" 2>"$d" &&
		gv_dt_overlay "$KSRC" "$W/ex/$n.dts" "$W/ex/$n.dtb" "${EXFLAGS[@]}" 2>"$d"; then
		printf 'clean\t%s\t%s\n' "binding $(bname "$y") example validates" \
			"$W/ex/$n.dtb" >>"$MANIFEST"
	else
		point fail "binding $(bname "$y") example validates" "$d"
	fi
done

# --- base DTBs ---
newdiag
if DTS=$("$GV_ROOT/scripts/build-dtbs.sh" "$KSRC" 2>"$d"); then
	point ok "kernel-tree base DTBs build with symbols"
else
	point fail "kernel-tree base DTBs build with symbols" "$d"
	DTS=/nonexistent
fi
newdiag
if gv_qemu_virt_dtb "$W/dtb/qemu-virt.dtb" 2>"$d"; then
	point ok "QEMU dumps its virt DTB"
else
	point fail "QEMU dumps its virt DTB" "$d"
fi

base_path() {
	if [ "$1" = qemu-virt ]; then
		echo "$W/dtb/qemu-virt.dtb"
	else
		echo "$DTS/$1"
	fi
}

declare -A BASELINED=()
baseline() {
	[ -n "${BASELINED[$1]:-}" ] && return
	BASELINED[$1]=1
	printf 'baseline\t%s\t%s\n' "$1" "$(base_path "$1")" >>"$MANIFEST"
}

# --- our overlays ---
for src in "$GV_ROOT"/dt-overlays/*.dtso; do
	s=$(basename "$src")
	if sed 's/#.*//' "$LIST" | awk '{ print $1 }' | grep -qxF "$s"; then
		point ok "overlay $s is listed in overlays.list"
	else
		newdiag
		echo "add $s and its base DTBs to dt-overlays/overlays.list" >"$d"
		point fail "overlay $s is listed in overlays.list" "$d"
	fi
done
while read -r src bases; do
	[ -n "$src" ] || continue
	n=${src%.dtso}
	newdiag
	if gv_dt_overlay "$KSRC" "$GV_ROOT/dt-overlays/$src" "$W/dtbo/$n.dtbo" 2>"$d"; then
		point ok "overlay $src builds cleanly"
	else
		point fail "overlay $src builds cleanly" "$d"
		continue
	fi
	for b in $bases; do
		out="$W/dtb/$(gv_dt_applied "$b" "$src")"
		newdiag
		if fdtoverlay -i "$(base_path "$b")" -o "$out" "$W/dtbo/$n.dtbo" >"$d" 2>&1; then
			point ok "overlay $src applies to $b"
			baseline "$b"
			printf 'compare\t%s\t%s\t%s\n' "overlay $src on $b adds no schema errors" \
				"$(base_path "$b")" "$out" >>"$MANIFEST"
		else
			point fail "overlay $src applies to $b" "$d"
		fi
	done
done < <(sed 's/#.*//' "$LIST")

# --- broken cases that must be rejected ---
for c in "$REJECT"/*.dtso; do
	[ -e "$c" ] || continue
	n=$(basename "$c" .dtso)
	base=$(sed -n 's|^// base: *||p' "$c")
	expect=$(sed -n 's|^// expect: *||p' "$c")
	name="rejects $n (at $expect)"
	newdiag
	got=
	if [ -z "$base" ] || [ -z "$expect" ]; then
		echo "$c: needs '// base:' and '// expect:' header lines" >"$d"
		point fail "$name" "$d"
		continue
	fi
	if ! gv_dt_overlay "$KSRC" "$c" "$W/dtbo/reject-$n.dtbo" 2>"$d"; then
		got=build
	elif ! fdtoverlay -i "$(base_path "$base")" -o "$W/dtb/reject-$n.dtb" \
		"$W/dtbo/reject-$n.dtbo" >"$d" 2>&1; then
		got=apply
	fi
	if [ -n "$got" ]; then
		if [ "$got" = "$expect" ]; then
			point ok "$name"
		else
			echo "rejected at $got, expected at $expect:" | cat - "$d" >"$d.x"
			point fail "$name" "$d.x"
		fi
	elif [ "$expect" = schema ]; then
		baseline "$base"
		printf 'reject\t%s\t%s\t%s\n' "$name" "$(base_path "$base")" \
			"$W/dtb/reject-$n.dtb" >>"$MANIFEST"
	else
		echo "built and applied, expected rejection at $expect" >"$d"
		point fail "$name" "$d"
	fi
done

# --- one dt-validate run over everything, then the verdicts ---
mapfile -t DTBS < <(awk -F'\t' '$1 == "clean" || $1 == "baseline" { print $3 }
	$1 == "compare" || $1 == "reject" { print $3; print $4 }' "$MANIFEST" | sort -u)
if [ ${#DTBS[@]} -gt 0 ]; then
	"$GV_VENV/bin/dt-validate" -m -s "$SCHEMA" --cache-dir "$GV_CACHE/dtschema/validate-cache" \
		--json-output "$W/diagnostics.json" "${DTBS[@]}" >"$W/dt-validate.log" 2>&1
else
	echo '[]' >"$W/diagnostics.json"
fi
log "device-tree check took $(($(date +%s) - t0)) s"
exec "$GV_VENV/bin/python3" "$GV_ROOT/scripts/dt-judge.py" "$MANIFEST" "$W/diagnostics.json"
