#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# End to end: unmodified crosvm (its GenieZone backend) boots the project's
# hardened arm64 guest kernel on /dev/gzvm, with two vCPUs, to the guest's
# init, which reports and powers off (PSCI SYSTEM_OFF). Run on a host under
# gzhyp (scripts/run-qemu.sh test); TAP output, SKIP without crosvm or the
# device.
#
# Environment: GZVM_E2E_DIR (default /crosvm) holds crosvm, the guest Image
# and its initramfs, GZVM_DEV (default /dev/gzvm) the device.
#
# Run from the kvm-bench suite's directory (scripts/run-qemu.sh kvm installs
# it there), the same test boots the same guest with the same crosvm on
# /dev/kvm instead, for the side-by-side figure of `make bench`.

dir=${GZVM_E2E_DIR:-/crosvm}
case $PWD in
*/kvm-bench)
	sys=kvm
	dev=${GZVM_DEV:-/dev/kvm}
	hv="kvm[device=$dev]"
	;;
*)
	sys=gzvm
	dev=${GZVM_DEV:-/dev/gzvm}
	hv="geniezone[device=$dev]"
	;;
esac
knobs=/sys/kernel/debug/gzvm-hyp

# Milliseconds since boot.
now_ms() {
	read -r up _ </proc/uptime
	# "1${up#*.}" keeps a fraction such as 08 from reading as octal.
	echo $((${up%.*} * 1000 + 10 * 1${up#*.} - 1000))
}

echo "TAP version 13"
echo "1..1"
name="crosvm boots a Linux guest on $dev"
if [ ! -x "$dir/crosvm" ]; then
	reason=$(cat "$dir/MISSING" 2>/dev/null || echo "no crosvm binary in $dir")
	echo "ok 1 $name # SKIP $reason"
	exit 4
fi
if [ ! -c "$dev" ]; then
	why="needs the gzvm driver and a GenieZone hypervisor; set GZVM_DEV"
	echo "ok 1 $name # SKIP no $dev ($why)"
	exit 4
fi
# Earlier tests move gzhyp's knobs: grant everything again.
[ -d "$knobs" ] && { echo 2 >"$knobs/paging"; echo 7 >"$knobs/extensions"; }

start=$(date +%s)
t0=$(now_ms)
timeout 900 "$dir/crosvm" run --disable-sandbox --hypervisor "$hv" \
	--mem 256 --cpus 2 \
	--serial type=stdout,hardware=serial,num=1,console=true \
	--initrd "$dir/initrd.cpio" \
	-p "console=ttyS0 rdinit=/init panic=-1" \
	"$dir/Image" >/tmp/crosvm.log 2>&1
rc=$?
ms=$(($(now_ms) - t0))
secs=$(($(date +%s) - start))
sed 's/^/# /' /tmp/crosvm.log | tail -40
echo "# what the test checks:"
grep -a -E "gzvm-e2e:|smp: Brought up|exiting with" /tmp/crosvm.log | sed 's/^/#   /'
# The guest's init reports both vCPUs (the second started by PSCI CPU_ON).
if grep -a -q "gzvm-e2e: guest booted: .*, 2 CPUs online" /tmp/crosvm.log && [ $rc -eq 0 ]; then
	echo "# bench: crosvm boot of the Linux guest to init and power-off: $secs s"
	# One repetition; its reference is the other system's row (bench_row.h).
	ns=${ms}000000
	ref="ref=none ref_med=0 ratio=0 rmin=0 rmax=0"
	echo "# bench-row: crosvm_boot $sys n=1 med=$ns min=$ns max=$ns $ref"
	echo "ok 1 $name"
	exit 0
fi
echo "not ok 1 $name # crosvm rc=$rc after $secs s"
exit 1
