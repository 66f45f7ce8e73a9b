#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the guest that crosvm boots on /dev/gzvm in the end-to-end test
# (selftests/gzvm/crosvm_linux.sh): report that Linux reached init and how
# many CPUs it brought up, then power off (PSCI SYSTEM_OFF).
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
n=$(/bin/busybox grep -c '^processor' /proc/cpuinfo)
# Through the kernel log: the console writes it synchronously, whereas the
# tty's interrupt-driven output may still be queued when poweroff -f stops
# the machine.
echo "gzvm-e2e: guest booted: Linux $(/bin/busybox uname -r), $n CPUs online" >/dev/kmsg
/bin/busybox poweroff -f
