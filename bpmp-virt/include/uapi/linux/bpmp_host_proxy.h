/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/bpmp-host[-<name>]: the message a virtual machine monitor writes to
 * forward one of its guest's BPMP firmware requests (the layout of Ghaf's
 * QEMU nvidia_bpmp_guest device and of ghaf-crosvm).
 *
 * write(fd, &msg, sizeof(msg)) sends mrq with the tx.size bytes at tx.data
 * (at most 120, one firmware message) and returns sizeof(msg); the answer is
 * copied to rx.data (a window of rx.size bytes, at most 120), and rx.size
 * (the answer's length) and rx.ret (the firmware's return code: 0 or a
 * negative BPMP error) are written back into msg. Errors: EINVAL for a
 * malformed message or oversized windows, EFAULT for bad pointers, EPERM for
 * a request the partition's policy denies, EOVERFLOW for an answer that does
 * not fit rx.size.
 */
#ifndef _UAPI_LINUX_BPMP_HOST_PROXY_H
#define _UAPI_LINUX_BPMP_HOST_PROXY_H

#include <linux/types.h>

/* Largest tx.size and rx.size the driver takes (one firmware message). */
#define BPMP_HOST_PROXY_MSG_MAX		120
/* Largest window of Ghaf's QEMU device (the driver refuses more than 120). */
#define BPMP_HOST_PROXY_WINDOW		512

/**
 * struct bpmp_proxy_wire_message - one BPMP request and its answer
 * @mrq: message request number (MRQ_PING, MRQ_CLK, ... of
 *	<soc/tegra/bpmp-abi.h>)
 * @reserved0: must be 0
 * @tx: the request
 * @tx.data: user pointer to the request's bytes
 * @tx.size: length of the request, at most BPMP_HOST_PROXY_MSG_MAX
 * @rx: the answer
 * @rx.data: user pointer to the window the answer is copied to
 * @rx.size: in: size of that window, at most BPMP_HOST_PROXY_MSG_MAX;
 *	out: length of the answer
 * @rx.ret: out: the firmware's return code, 0 or a negative BPMP error
 * @rx.reserved0: must be 0
 *
 * 48 bytes, the same layout on every architecture.
 */
struct bpmp_proxy_wire_message {
	__u32 mrq;		/* MRQ_* of <soc/tegra/bpmp-abi.h> */
	__u32 reserved0;	/* must be 0 */
	struct {
		__u64 data;	/* user pointer to the request */
		__u64 size;
	} tx;
	struct {
		__u64 data;	/* user pointer to the answer window */
		__u64 size;	/* in: window size; out: answer length */
		__s32 ret;	/* out: firmware return code */
		__u32 reserved0;	/* must be 0 */
	} rx;
};

#endif /* _UAPI_LINUX_BPMP_HOST_PROXY_H */
