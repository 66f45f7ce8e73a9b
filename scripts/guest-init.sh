#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test initramfs. Mounts the pseudo filesystems, loads the
# project's modules, then either runs every test (gv.mode=test) and powers
# off, or gives the user a shell (gv.mode=shell), or loads the detector
# canary module and dumps what the kernel's checkers reported (gv.mode=canary).
#
# Output protocol, parsed by scripts/parse-results.py on the host: each
# suite's output sits between "@@GV begin <kind> <name>" and
# "@@GV end <name> rc=<rc>"; "@@GV done" marks a complete run.

/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp

mode=test
only='*'
for arg in $(cat /proc/cmdline); do
	case $arg in
	gv.mode=*) mode=${arg#gv.mode=} ;;
	gv.only=*) only=${arg#gv.only=} ;;
	esac
done

# Only errors reach the console (to see them if the guest hangs); dmesg,
# dumped at the end, has everything.
echo 4 >/proc/sys/kernel/printk

suite() {
	kind=$1 name=$2
	shift 2
	echo "@@GV begin $kind $name"
	"$@" >/tmp/out 2>&1
	rc=$?
	cat /tmp/out
	echo "@@GV end $name rc=$rc"
}

# Module loading, as a TAP suite: one test point per module.
load_modules() {
	n=$(wc -l </lib/modules/gv/order)
	echo "TAP version 13"
	echo "1..$n"
	i=0
	while read -r m; do
		i=$((i + 1))
		if insmod "/lib/modules/gv/$m" 2>/tmp/insmod.err; then
			echo "ok $i insmod $m"
		else
			echo "# $(cat /tmp/insmod.err)"
			echo "not ok $i insmod $m"
		fi
	done </lib/modules/gv/order
}

# kmemleak ignores objects younger than 5 s, so wait for the last test's
# allocations to age, then scan twice (the second catches objects that were
# only transiently referenced during the first).
dump_kmemleak() {
	if [ -w /sys/kernel/debug/kmemleak ]; then
		sleep 6
		echo scan >/sys/kernel/debug/kmemleak
		echo scan >/sys/kernel/debug/kmemleak
		echo "@@GV begin kmemleak kmemleak"
		cat /sys/kernel/debug/kmemleak
		echo "@@GV end kmemleak rc=0"
	else
		echo "@@GV kmemleak-unavailable"
	fi
}

dump_dmesg() {
	echo "@@GV begin dmesg dmesg"
	dmesg
	echo "@@GV end dmesg rc=0"
}

if [ "$mode" = canary ]; then
	# Detector canary: a module that commits each bug class on purpose.
	suite boot canary insmod /lib/modules/canary/gv_canary.ko
	dump_kmemleak
	dump_dmesg
	echo "@@GV done"
	poweroff -f
fi

if [ "$mode" = shell ]; then
	load_modules
	echo "Modules loaded; tests are in /selftests. 'poweroff -f' leaves QEMU."
	setsid sh -c 'exec sh </dev/ttyAMA0 >/dev/ttyAMA0 2>&1'
	poweroff -f
fi

suite boot modules load_modules

# gv.only=GLOB[,GLOB...] (kernel command line): whether suite $1 matches.
selected() {
	set -f
	for p in $(echo "$only" | tr , ' '); do
		# shellcheck disable=SC2254
		case $1 in
		$p)
			set +f
			return 0
			;;
		esac
	done
	set +f
	return 1
}

for t in $(cat /selftests/list); do
	if selected "$t"; then
		# The memory-slot benchmarks pin and mlock 512 MiB (make bench).
		case $t in
		*/bench_mem) limit=900 ;;
		*) limit=300 ;;
		esac
		suite kselftest "$t" timeout "$limit" "/selftests/$t"
	fi
done

# KUnit suites of our modules ran at insmod; debugfs keeps their KTAP.
for d in /sys/kernel/debug/kunit/*/; do
	[ -f "$d/results" ] || continue
	name=$(basename "$d")
	echo "@@GV begin kunit $name"
	cat "$d/results"
	echo "@@GV end $name rc=0"
done

dump_kmemleak
dump_dmesg
echo "@@GV done"
poweroff -f
