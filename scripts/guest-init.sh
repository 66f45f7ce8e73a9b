#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test initramfs. Mounts the pseudo filesystems, loads the
# project's modules, then either runs every test (gv.mode=test) and powers
# off, or gives the user a shell (gv.mode=shell), or runs the user's script
# /run/script in /data and reports its exit status (gv.mode=run), or loads
# the detector canary module and dumps what the kernel's checkers reported
# (gv.mode=canary).
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

# Where the selftests find what the kernel's defaults do not say (README,
# "Environment of the selftests"): the module they reload. Also for the
# shell and run modes.
export VFIO_PLATFORM_EXT_KO=/lib/modules/gv/vfio_platform_ext.ko

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

# The sysctl.d files in /etc/sysctl.d, in order, as TAP: one test point per
# key. A key with a leading "-" may be absent (the feature is off in this
# kernel): that is a SKIP; a key that exists must take the value. One awk
# turns "[-]key = value" lines into "[-]key /proc/sys/path value"; the loop
# uses shell builtins only (a process per key is slow under TCG).
apply_sysctl() {
	cat /etc/sysctl.d/*.conf | awk '{ sub(/[#;].*/, "") }
		/=/ { k = $0; sub(/=.*/, "", k); v = $0; sub(/[^=]*=/, "", v)
		      gsub(/[ \t]/, "", k); gsub(/^[ \t]+|[ \t]+$/, "", v)
		      p = k; sub(/^-/, "", p); gsub(/\./, "/", p)
		      print k, "/proc/sys/" p, v }' >/tmp/sysctl.want
	echo "TAP version 13"
	echo "1..$(wc -l </tmp/sysctl.want)"
	i=0
	while read -r key f val; do
		i=$((i + 1))
		opt=
		case $key in -*) opt=1 key=${key#-} ;; esac
		if [ ! -e "$f" ]; then
			if [ -n "$opt" ]; then
				echo "ok $i $key # SKIP not in this kernel"
			else
				echo "not ok $i $key = $val # no $f"
			fi
			continue
		fi
		{ echo "$val" >"$f"; } 2>/dev/null
		# Not busybox's `read`: it reads a byte at a time, and a sysctl
		# file read at a non-zero offset is at its end (one digit).
		got=$(cat "$f" 2>/dev/null)
		if [ "$got" = "$val" ]; then
			echo "ok $i $key = $val"
		else
			echo "not ok $i $key = $val # reads back '$got'"
		fi
	done </tmp/sysctl.want
}

if [ "$mode" = canary ]; then
	# Detector canary: a module that commits each bug class on purpose.
	suite boot canary insmod /lib/modules/canary/gv_canary.ko
	dump_kmemleak
	dump_dmesg
	# After the canary (the baseline's warn_limit and kptr_restrict would
	# change what it reports): the host sysctl baseline, then the dump.
	suite sysctl baseline apply_sysctl
	suite sysctl dump sh -c 'sysctl -a 2>/dev/null'
	echo "@@GV done"
	poweroff -f
fi

if [ "$mode" = run ]; then
	# make qemu RUN=script FILES=dir: the script's status is the marker's.
	load_modules
	cd /data || exit 1
	/run/script
	echo "@@GV run rc=$?"
	cd /
	dump_kmemleak
	dump_dmesg
	poweroff -f
fi

if [ "$mode" = shell ]; then
	load_modules
	echo "Modules loaded; tests are in /selftests. 'poweroff -f' leaves QEMU."
	setsid sh -c 'exec sh </dev/ttyAMA0 >/dev/ttyAMA0 2>&1'
	poweroff -f
fi

suite boot modules load_modules

# gv.only=GLOB[,GLOB...] (kernel command line) runs the matching suites only.
selected() {
	rest=$only,
	while [ -n "$rest" ]; do
		g=${rest%%,*}
		rest=${rest#*,}
		# shellcheck disable=SC2254
		case $1 in
		$g) return 0 ;;
		esac
	done
	return 1
}

# Each test runs in its suite's directory with the suite's timeout
# (timeout=N in its kselftest settings file; 45 s without one, 0 for none, as
# the kernel's kselftest runner does).
kselftest() { # suite test
	tmo=$(sed -n 's/^timeout=\([0-9]*\)$/\1/p' "/selftests/$1/settings" 2>/dev/null | tail -1)
	# GV_TIMEOUT (kernel command line) overrides every suite's, as
	# run_kselftest.sh --override-timeout does (make bench's long rows).
	tmo=${GV_TIMEOUT:-$tmo}
	cd "/selftests/$1" || return 1
	if [ "${tmo:-45}" -eq 0 ]; then
		"./$2"
	else
		timeout "${tmo:-45}" "./$2"
	fi
}

for t in $(cat /selftests/list); do
	selected "$t" && suite kselftest "$t" kselftest "${t%%/*}" "${t#*/}"
done
cd /

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
