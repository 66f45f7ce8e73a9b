#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test kernel in QEMU (arm64 `virt`, TCG, -cpu max) with an
# initramfs holding busybox, the project's modules and the selftests. The
# test and shell boots start gzhyp (gzvm/hyp/, the GenieZone-ABI test
# hypervisor) at EL2, which starts the test kernel at EL1, so /dev/gzvm
# works on the real hvc conduit.
#
#   run-qemu.sh test   BUILD_DIR OUT_DIR  run every test (or those matching the
#                                         glob GV_ONLY, e.g. 'gzvm/*'), console ->
#                                         OUT_DIR/console-test.log
#   run-qemu.sh canary BUILD_DIR OUT_DIR  detector canary boot (no hypervisor) ->
#                                         OUT_DIR/console-canary.log
#   run-qemu.sh shell  BUILD_DIR OUT_DIR  interactive shell on the serial console
#   run-qemu.sh run    BUILD_DIR OUT_DIR  the test boot, but instead of the tests it
#                                         runs the script GV_RUN in /data (a copy of
#                                         the directory GV_FILES, if given), powers
#                                         off and exits with the script's status;
#                                         console -> OUT_DIR/console-run.log
#   run-qemu.sh kvm    BUILD_DIR OUT_DIR  the same kernel booted at EL2 with KVM
#                                         (/dev/kvm), no gzhyp: the KVM harness
#                                         (selftests/kvm-bench/, or the suites matching
#                                         GV_ONLY) -> OUT_DIR/console-kvm.log
#   run-qemu.sh kvmshell BUILD_DIR OUT_DIR  shell on a host at EL2 with KVM
#
# GV_BENCH=full makes the benchmarks take their long form (make bench).
#
# OUT_DIR holds the installed selftests (selftests/, with selftests/list: one
# suite/test a line, from scripts/build-selftests.sh) and the canary module
# (canary/).
#
# The DTB is QEMU's own for this exact machine (-machine dumpdtb=) with the
# test overlay from dt-overlays/ applied by fdtoverlay.

set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$GV_ROOT/scripts/dt-lib.sh"

MODE=${1:?usage: run-qemu.sh test|canary|shell|run|kvm|kvmshell BUILD_DIR OUT_DIR}
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
test | shell | run)
	# gzhyp at EL2 (QEMU's PSCI over SMC, no EL3 firmware). CPU features
	# gzhyp does not switch for guests are off, pinned so that a newer QEMU
	# cannot add state silently; gzhyp refuses to start if one is there.
	HYP=1
	MACHINE=(-M virt,gic-version=3,virtualization=on
		-cpu max,sve=off,sme=off,lpa2=off,pauth-impdef=on
		-smp "$SMP" -m "$MEM" -nic none)
	"$GV_ROOT/scripts/build-hyp.sh" "$OUT/gzhyp.bin"
	;;
canary) ;;
*) die "unknown mode $MODE (test, canary, shell or run)" ;;
esac

# --- initramfs ---
root="$OUT/initramfs"
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,lib/modules/gv,lib/modules/canary,selftests,etc/sysctl.d}
cp "$("$GV_ROOT/scripts/debian-fetch.sh" busybox)" "$root/bin/busybox"
cp "$GV_ROOT/scripts/guest-init.sh" "$root/init"
# The hosts' sysctl baseline, applied and checked in the canary boot.
cp "$GV_ROOT"/configs/sysctl.d/*.conf "$root/etc/sysctl.d/"
: >"$root/lib/modules/gv/order"
# The hardened config enforces module signatures (MODULE_SIG_FORCE): sign the
# copies with the build's own key, as `make modules_install` would.
sign() { # ko
	if grep -q '^CONFIG_MODULE_SIG=y' "$B/.config"; then
		"$B/scripts/sign-file" sha512 "$B/certs/signing_key.pem" \
			"$B/certs/signing_key.x509" "$1" || die "cannot sign $1"
	fi
}
grep -E "^($(gv_driver_dirs | paste -sd'|'))/" "$B/modules.order" | while read -r o; do
	ko="$B/${o%.o}.ko"
	[ -f "$ko" ] || die "module $ko missing from the build"
	cp "$ko" "$root/lib/modules/gv/"
	sign "$root/lib/modules/gv/$(basename "$ko")"
	basename "$ko" >>"$root/lib/modules/gv/order"
done
cp -r "$OUT/selftests/." "$root/selftests/"
# The KVM harness runs only where /dev/kvm is (the kvm boot).
[ -n "$KVM" ] || sed -i '/^kvm-bench\//d' "$root/selftests/list"
cp "$OUT/canary/gv_canary.ko" "$root/lib/modules/canary/"
sign "$root/lib/modules/canary/gv_canary.ko"
if [ "$MODE" = test ] || [ "$MODE" = kvm ]; then
	# End to end: unmodified crosvm boots the hardened guest kernel on
	# /dev/gzvm (gzvm/crosvm_linux.sh, a TEST_PROGS entry of the gzvm
	# suite, reads /crosvm and skips with the reason in MISSING without it),
	# or, in the kvm boot, the same guest with the same crosvm on /dev/kvm
	# (the same script, run from kvm-bench/). CROSVM names a static aarch64
	# crosvm built with --features geniezone (README).
	e2e="$root/crosvm"
	mkdir -p "$e2e"
	if [ -n "$KVM" ]; then
		cp "$GV_ROOT/selftests/gzvm/crosvm_linux.sh" "$root/selftests/kvm-bench/"
		echo kvm-bench/crosvm_linux.sh >>"$root/selftests/list"
	fi
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
if [ "$MODE" = run ]; then
	[ -n "${GV_RUN:-}" ] && [ -f "$GV_RUN" ] || die "run mode: GV_RUN must name a script (make qemu RUN=script)"
	mkdir -p "$root/run" "$root/data"
	install -m 0755 "$GV_RUN" "$root/run/script"
	if [ -n "${GV_FILES:-}" ]; then
		[ -d "$GV_FILES" ] || die "run mode: GV_FILES=$GV_FILES is not a directory"
		cp -r "$GV_FILES/." "$root/data/"
	fi
fi
(cd "$root" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) >"$OUT/initramfs.cpio"

# --- device tree ---
qemu-system-aarch64 "${MACHINE[@]}" -machine dumpdtb="$OUT/virt.dtb" -nographic >/dev/null
gv_dt_overlay "$(cat "$B/.gv-ksrc")" "$GV_ROOT/dt-overlays/qemu-virt-test.dtso" \
	"$OUT/qemu-virt-test.dtbo" || die "dt-overlays/qemu-virt-test.dtso does not build cleanly"
fdtoverlay -i "$OUT/virt.dtb" -o "$OUT/virt-test.dtb" "$OUT/qemu-virt-test.dtbo"

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
	[ -z "${GV_ONLY:-}" ] || APPEND="$APPEND gv.only=$GV_ONLY"
fi
# The KVM boot runs the KVM harness (and the bpmp benchmark in make bench);
# KUnit (the kernel's doc-tests, our modules' suites) ran in the other boots.
[ "$MODE" = kvm ] && APPEND="${APPEND/gv.mode=kvm/gv.mode=test} gv.only=${GV_ONLY:-kvm-bench/bench*} kunit.enable=0"
[ "$MODE" = kvmshell ] && APPEND="${APPEND/gv.mode=kvmshell/gv.mode=shell}"
# Unknown parameters with '=' and no '.' reach init's environment.
[ -z "${GV_BENCH:-}" ] || APPEND="$APPEND GV_BENCH=$GV_BENCH"
[ -z "${GV_TIMEOUT:-}" ] || APPEND="$APPEND GV_TIMEOUT=$GV_TIMEOUT"
QEMU=(qemu-system-aarch64 "${MACHINE[@]}" -nographic -no-reboot
	"${KERNEL[@]}" -initrd "$OUT/initramfs.cpio"
	-dtb "$OUT/virt-test.dtb" -append "$APPEND")

if [ "$MODE" = shell ] || [ "$MODE" = kvmshell ]; then
	exec "${QEMU[@]}"
fi

CON="$OUT/console-$MODE.log"

# While QEMU runs: each suite's exit status as it finishes, and a line at
# least every 30 s.
watch_suites() { # qemu pid
	local seen=0 t=0 n
	while kill -0 "$1" 2>/dev/null; do
		sleep 1
		t=$((t + 1))
		n=$(grep -ac '^@@GV end' "$CON" || true)
		if [ "$n" -gt "$seen" ]; then
			grep -a '^@@GV end' "$CON" | tr -d '\r' | sed -n "$((seen + 1)),${n}p" |
				while read -r _ _ name st; do
					log "  finished $name (exit ${st#rc=}) at ${t} s"
				done
			seen=$n
		fi
		[ $((t % 30)) -ne 0 ] || log "QEMU ($MODE) running for ${t} s, $seen suites finished"
	done
}

log "booting the test kernel in QEMU, mode $MODE (timeout ${TIMEOUT}s, console: $CON)"
start=$(date +%s)
rc=0
timeout --foreground -k 10 "$TIMEOUT" "${QEMU[@]}" </dev/null >"$CON" 2>&1 &
qpid=$!
watch_suites "$qpid"
wait "$qpid" || rc=$?
log "QEMU ran $(($(date +%s) - start)) s (rc=$rc)"
[ $rc -ne 124 ] || log "QEMU timed out after ${TIMEOUT}s"
if [ "$MODE" = run ]; then
	st=$(grep -a '^@@GV run rc=' "$CON" | tr -d '\r' | tail -1)
	[ -n "$st" ] || die "the script did not finish (see $CON)"
	log "script exited with ${st#@@GV run rc=} (console: $CON)"
	exit "${st#@@GV run rc=}"
fi
exit 0
