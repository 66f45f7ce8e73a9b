#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test kernel in QEMU (arm64 `virt`, TCG, -cpu max) with an
# initramfs holding busybox, the project's modules and the selftests.
#
#   run-qemu.sh test   BUILD_DIR OUT_DIR  run every test, console -> OUT_DIR/console-test.log
#   run-qemu.sh canary BUILD_DIR OUT_DIR  detector canary boot -> OUT_DIR/console-canary.log
#   run-qemu.sh shell  BUILD_DIR OUT_DIR  interactive shell on the serial console
#   run-qemu.sh hyp    BUILD_DIR OUT_DIR  the gzvm suites with the host kernel at EL1
#                                         under gzhyp (gzvm/hyp/) at EL2, on the real
#                                         hvc conduit -> OUT_DIR/console-hyp.log
#   run-qemu.sh hypshell BUILD_DIR OUT_DIR  shell on a host under gzhyp
#   run-qemu.sh kvm    BUILD_DIR OUT_DIR  the same kernel booted at EL2 with KVM
#                                         (/dev/kvm): the KVM harness
#                                         (selftests/kvm/) -> OUT_DIR/console-kvm.log
#   run-qemu.sh kvmshell BUILD_DIR OUT_DIR  shell on a host at EL2 with KVM
#
# Environment: GV_HYP_ONLY and GV_KVM_ONLY choose the suites of the hyp and
# kvm boots (comma-separated globs, see guest-init.sh); GV_BENCH=full makes
# the benchmarks take their long form (make bench).
#
# OUT_DIR holds the built selftests (selftests/) and canary module (canary/).
#
# The DTB is QEMU's own for this exact machine (-machine dumpdtb=) with the
# test overlay from dt-overlays/ applied by fdtoverlay.

set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$GV_ROOT/scripts/dt-lib.sh"

MODE=${1:?usage: run-qemu.sh test|canary|shell|hyp|hypshell|kvm|kvmshell BUILD_DIR OUT_DIR}
B=${2:?build dir}
OUT=${3:?output dir}
TIMEOUT=${GV_QEMU_TIMEOUT:-1800}
MEM=${GV_QEMU_MEM:-2G}
SMP=${GV_QEMU_SMP:-2}

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
MACHINE=(-M virt,gic-version=3 -cpu max,pauth-impdef=on -smp "$SMP" -m "$MEM" -nic none)
HYP=
KVM=
case $MODE in
kvm | kvmshell)
	# The host kernel itself at EL2 (VHE), so KVM comes up: the same CPU
	# as under gzhyp, for a fair comparison.
	KVM=1
	MACHINE=(-M virt,gic-version=3,virtualization=on
		-cpu max,sve=off,sme=off,lpa2=off,pauth-impdef=on
		-smp "$SMP" -m "$MEM" -nic none)
	;;
hyp | hypshell)
	# gzhyp at EL2 (QEMU's PSCI over SMC, no EL3 firmware). CPU features
	# gzhyp does not switch for guests are off, pinned so that a newer QEMU
	# cannot add state silently; gzhyp refuses to start if one is there.
	HYP=1
	MACHINE=(-M virt,gic-version=3,virtualization=on
		-cpu max,sve=off,sme=off,lpa2=off,pauth-impdef=on
		-smp "$SMP" -m "$MEM" -nic none)
	"$GV_ROOT/scripts/build-hyp.sh" "$OUT/gzhyp.bin"
	;;
esac

# --- initramfs ---
root="$OUT/initramfs"
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,lib/modules/gv,lib/modules/canary,selftests}
cp "$("$GV_ROOT/scripts/debian-fetch.sh" busybox)" "$root/bin/busybox"
cp "$GV_ROOT/scripts/guest-init.sh" "$root/init"
: >"$root/lib/modules/gv/order"
# The hardened config enforces module signatures (MODULE_SIG_FORCE): sign the
# copies with the build's own key, as `make modules_install` would.
sign() { # ko
	if grep -q '^CONFIG_MODULE_SIG=y' "$B/.config"; then
		"$B/scripts/sign-file" sha512 "$B/certs/signing_key.pem" \
			"$B/certs/signing_key.x509" "$1" || die "cannot sign $1"
	fi
}
grep '^drivers/ghaf_virt/' "$B/modules.order" | while read -r o; do
	ko="$B/${o%.o}.ko"
	[ -f "$ko" ] || die "module $ko missing from the build"
	cp "$ko" "$root/lib/modules/gv/"
	sign "$root/lib/modules/gv/$(basename "$ko")"
	basename "$ko" >>"$root/lib/modules/gv/order"
done
cp -r "$OUT/selftests/." "$root/selftests/"
# The KVM harness runs only where /dev/kvm is (the kvm boot).
[ -n "$KVM" ] || sed -i '/^kvm\//d' "$root/selftests/list"
cp "$OUT/canary/gv_canary.ko" "$root/lib/modules/canary/"
sign "$root/lib/modules/canary/gv_canary.ko"
if [ -n "$HYP" ] || [ -n "$KVM" ]; then
	# End to end: unmodified crosvm boots the hardened guest kernel on
	# /dev/gzvm (selftests/gzvm/crosvm_linux.sh), or the same guest with the
	# same crosvm on /dev/kvm in the kvm boot (the script picks the
	# hypervisor by the name it is installed under). CROSVM names a static
	# aarch64 crosvm built with --features geniezone (README).
	e2e="$root/crosvm"
	t=gzvm/crosvm_linux
	[ -z "$KVM" ] || t=kvm/crosvm_linux
	mkdir -p "$e2e" "$root/selftests/${t%/*}"
	cp "$GV_ROOT/selftests/gzvm/crosvm_linux.sh" "$root/selftests/$t"
	echo "$t" >>"$root/selftests/list"
	crosvm=${CROSVM:-$GV_ROOT/../shared/crosvm/crosvm-aarch64}
	if [ -f "$crosvm" ]; then
		install -m 0755 "$crosvm" "$e2e/crosvm"
		cp "$("$GV_ROOT/scripts/guest-kernel-build.sh")" "$e2e/Image"
		g="$OUT/e2e-guest"
		rm -rf "$g"
		mkdir -p "$g/bin" "$g/proc" "$g/sys" "$g/dev"
		cp "$("$GV_ROOT/scripts/debian-fetch.sh" busybox)" "$g/bin/busybox"
		cp "$GV_ROOT/scripts/e2e-guest-init.sh" "$g/init"
		(cd "$g" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) >"$e2e/initrd.cpio"
	else
		echo "no crosvm at $crosvm: set CROSVM to a static aarch64 crosvm built with --features geniezone (README)" >"$e2e/MISSING"
	fi
fi
(cd "$root" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) >"$OUT/initramfs.cpio"

# --- device tree ---
qemu-system-aarch64 "${MACHINE[@]}" -machine dumpdtb="$OUT/virt.dtb" -nographic >/dev/null
gv_dt_overlay "$(cat "$B/.gv-ksrc")" "$GV_ROOT/dt-overlays/qemu-virt-test.dtso" \
	"$OUT/qemu-virt-test.dtbo" || die "dt-overlays/qemu-virt-test.dtso does not build cleanly"
fdtoverlay -i "$OUT/virt.dtb" -o "$OUT/virt-test.dtb" "$OUT/qemu-virt-test.dtbo"
if [ -n "$HYP" ]; then
	# gzhyp adds the mediatek,geniezone node itself; no simulator here.
	fdtput -r "$OUT/virt-test.dtb" /hypervisor /geniezone-sim
fi
if [ -n "$KVM" ]; then
	# At EL2 an hvc would trap to the kernel itself: no GenieZone node.
	for n in /hypervisor /geniezone-sim; do
		fdtput -r "$OUT/virt-test.dtb" "$n" 2>/dev/null || true
	done
fi

# slab_debug: SLUB's debug checks (red zones, poisoning, owner tracking) on
# every cache. It also turns off SLUB's per-CPU sheaves, whose arrays keep
# stale pointers to allocated objects and would hide leaks from kmemleak.
APPEND="console=ttyAMA0 rdinit=/init gv.mode=$MODE panic=-1 log_buf_len=8M slab_debug=FZPU"
KERNEL=(-kernel "$B/arch/arm64/boot/Image")
if [ -n "$HYP" ]; then
	# QEMU boots gzhyp as the "kernel"; the host kernel goes where gzhyp
	# looks for it (gzvm/hyp/src/layout.rs: RAM + 512 MiB).
	KERNEL=(-kernel "$OUT/gzhyp.bin"
		-device "loader,file=$B/arch/arm64/boot/Image,addr=0x60000000,force-raw=on")
	[ "$MODE" = hyp ] && APPEND="${APPEND/gv.mode=hyp/gv.mode=test} gv.only=${GV_HYP_ONLY:-gzvm/*}"
	[ "$MODE" = hypshell ] && APPEND="${APPEND/gv.mode=hypshell/gv.mode=shell}"
fi
# The KVM boot runs the KVM harness (and the bpmp benchmark in make bench);
# KUnit (the kernel's doc-tests, our modules' suites) ran in the other boots.
[ "$MODE" = kvm ] && APPEND="${APPEND/gv.mode=kvm/gv.mode=test} gv.only=${GV_KVM_ONLY:-kvm/bench*} kunit.enable=0"
[ "$MODE" = kvmshell ] && APPEND="${APPEND/gv.mode=kvmshell/gv.mode=shell}"
# Unknown parameters with '=' and no '.' reach init's environment.
[ -z "${GV_BENCH:-}" ] || APPEND="$APPEND GV_BENCH=$GV_BENCH"
QEMU=(qemu-system-aarch64 "${MACHINE[@]}" -nographic -no-reboot
	"${KERNEL[@]}" -initrd "$OUT/initramfs.cpio"
	-dtb "$OUT/virt-test.dtb" -append "$APPEND")

if [ "$MODE" = shell ] || [ "$MODE" = hypshell ] || [ "$MODE" = kvmshell ]; then
	exec "${QEMU[@]}"
fi

log "booting the test kernel in QEMU, mode $MODE (timeout ${TIMEOUT}s)"
start=$(date +%s)
rc=0
timeout --foreground -k 10 "$TIMEOUT" "${QEMU[@]}" </dev/null >"$OUT/console-$MODE.log" 2>&1 || rc=$?
log "QEMU ran $(($(date +%s) - start)) s (rc=$rc)"
[ $rc -ne 124 ] || log "QEMU timed out after ${TIMEOUT}s"
exit 0
