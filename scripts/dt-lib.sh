# SPDX-License-Identifier: GPL-2.0
# Device-tree helpers shared by build-overlays.sh, check-dt.sh and
# run-qemu.sh. Sourced after common.sh, never run.

# The dtschema tools live in a private virtualenv (scripts/setup.sh).
GV_VENV="$GV_CACHE/venv"

# gv_dt_bases: every kernel-tree DTB named in dt-overlays/overlays.list.
gv_dt_bases() {
	sed 's/#.*//' "$GV_ROOT/dt-overlays/overlays.list" |
		awk 'NF > 1 { for (i = 2; i <= NF; i++) print $i }' |
		grep -v '^qemu-virt$' | sort -u
}

# gv_dt_applied BASE OVERLAY: file name of BASE with OVERLAY applied,
# "<base>+<overlay>.dtb", or "<overlay>.dtb" when the overlay is named
# after its base board already.
gv_dt_applied() {
	local b o
	b=$(basename "$1" .dtb)
	o=$(basename "$2" .dtso)
	case $o in
	"$b"-*) echo "$o.dtb" ;;
	*) echo "$b+$o.dtb" ;;
	esac
}

# gv_dt_overlay KSRC SRC OUT [DTC_FLAG...]: preprocess SRC like the kernel's own DTS
# builds (cpp with scripts/dtc/include-prefixes, so <dt-bindings/...>
# headers resolve) and compile it with dtc -@ into OUT. Any dtc warning is
# an error. Diagnostics go to stderr; the return status says whether it
# built cleanly.
gv_dt_overlay() {
	local ksrc=$1 src=$2 out=$3 pre err rc=0
	shift 3
	pre=$(mktemp --suffix=.dts)
	err=$(mktemp)
	if ! "clang-$GV_LLVM_VER" -E -nostdinc -undef -D__DTS__ -x assembler-with-cpp \
		-I "$ksrc/scripts/dtc/include-prefixes" -I "$(dirname "$src")" \
		-o "$pre" "$src" 2>"$err"; then
		rc=1
	elif ! dtc -@ "$@" -I dts -O dtb -o "$out" "$pre" 2>"$err" || [ -s "$err" ]; then
		rc=1
	fi
	# Point diagnostics at the source rather than the temporary file.
	sed "s|$pre|$src|g" "$err" >&2
	rm -f "$pre" "$err"
	[ $rc -eq 0 ] || rm -f "$out"
	return $rc
}

# gv_qemu_virt_dtb OUT: the DTB QEMU generates for the test machine.
gv_qemu_virt_dtb() {
	local err
	err=$(qemu-system-aarch64 -M virt,gic-version=3 -cpu max,pauth-impdef=on \
		-smp "${GV_QEMU_SMP:-2}" -m "${GV_QEMU_MEM:-2G}" -nic none \
		-machine dumpdtb="$1" -nographic 2>&1 >/dev/null) || {
		echo "$err" >&2
		return 1
	}
}
