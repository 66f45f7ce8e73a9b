/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the driver's hypercall trace (debugfs gzvm/hypercalls) and
 * matching its records against the words the upstream GenieZone driver
 * sends.
 */
#ifndef GZVM_HYPERCALLS_H
#define GZVM_HYPERCALLS_H

#include <stdio.h>
#include <string.h>
#include <linux/types.h>

#include "gzvm_util.h"

/* GenieZone function ids: ARM_SMCCC_CALL_VAL(FAST, SMC_64, 59, 0x1000 + n). */
#define HVC(n)			(0xfb001000U + (n))
#define HVC_CREATE_VM		HVC(0)
#define HVC_DESTROY_VM		HVC(1)
#define HVC_CREATE_VCPU		HVC(2)
#define HVC_DESTROY_VCPU	HVC(3)
#define HVC_SET_MEMREGION	HVC(4)
#define HVC_RUN			HVC(5)
#define HVC_GET_ONE_REG		HVC(8)
#define HVC_SET_ONE_REG		HVC(9)
#define HVC_IRQ_LINE		HVC(10)
#define HVC_CREATE_DEVICE	HVC(11)
#define HVC_PROBE		HVC(12)
#define HVC_ENABLE_CAP		HVC(13)
#define HVC_INFORM_EXIT		HVC(14)
#define HVC_MEMREGION_PURPOSE	HVC(15)
#define HVC_SET_DTB_CONFIG	HVC(16)
#define HVC_MAP_GUEST		HVC(17)
#define HVC_MAP_GUEST_BLOCK	HVC(18)

/* Ghaf extension capabilities (not upstream's; gzvm/hypercall.rs). */
#define GHAF_CAP_EXT		0x92f0
#define GHAF_CAP_RELEASE_SLOT	0x92f1

/* The batch sizes gzhyp (gzvm/hyp/src/gz/vm.rs) answers to 0x9204/0x9205. */
#define HYP_MAP_BATCH		64
#define HYP_DESTROY_BATCH	256

#define MAX_RECS		1024

struct hcall {
	__u64 a[8];	/* x0 (function id) .. x7 as sent */
	__u64 r[4];	/* x0 .. x3 as returned */
};

static inline int trace_ctl(const char *cmd)
{
	return write_file(TRACE_CTL, cmd);
}

/* Starts a fresh recording. */
static inline int trace_start(void)
{
	return trace_ctl("0") || trace_ctl("clear") || trace_ctl("1") ? -1 : 0;
}

/* Stops recording and reads the records; their number, or -1. */
static inline int trace_read(struct hcall *recs, int max)
{
	FILE *f;
	int n = 0;

	if (trace_ctl("0"))
		return -1;
	f = fopen(TRACE_LOG, "r");
	if (!f)
		return -1;
	while (n < max) {
		struct hcall *h = &recs[n];

		if (fscanf(f,
			   " fid=%llx a=%llx,%llx,%llx,%llx,%llx,%llx,%llx r=%llx,%llx,%llx,%llx",
			   &h->a[0], &h->a[1], &h->a[2], &h->a[3], &h->a[4],
			   &h->a[5], &h->a[6], &h->a[7], &h->r[0], &h->r[1],
			   &h->r[2], &h->r[3]) != 12)
			break;
		n++;
	}
	fclose(f);
	return n;
}

/* (vm_id << 16) | vcpu, as upstream's assemble_vm_vcpu_tuple(). */
static inline __u64 tuple(__u64 vm, __u64 vcpu)
{
	return (vm << 16) | vcpu;
}

/* A 4 KiB-aligned, non-zero physical address. */
#define PA_ANY		(~0ULL - 1)
/* Any value. */
#define ANY		(~0ULL)

/*
 * One expected call: function id and x1..x7 (ANY, PA_ANY or the exact
 * word), with the upstream source it is taken from.
 */
struct word {
	__u32 fid;
	__u64 a[7];
	const char *cite;
};

static inline int word_matches(const struct hcall *h, const struct word *w)
{
	int i;

	if (h->a[0] != w->fid)
		return 0;
	for (i = 0; i < 7; i++) {
		__u64 v = h->a[i + 1];

		if (w->a[i] == ANY)
			continue;
		if (w->a[i] == PA_ANY) {
			if (!v || (v & 0xfff))
				return 0;
			continue;
		}
		if (v != w->a[i])
			return 0;
	}
	return 1;
}

static inline void print_hcall(const char *what, const struct hcall *h)
{
	ksft_print_msg("%s fid=%#llx a=%#llx,%#llx,%#llx,%#llx,%#llx,%#llx,%#llx r=%#llx,%#llx\n",
		       what, h->a[0], h->a[1], h->a[2], h->a[3], h->a[4],
		       h->a[5], h->a[6], h->a[7], h->r[0], h->r[1]);
}

/* Number of records with function id `fid`. */
static inline int count_fid(const struct hcall *recs, int n, __u32 fid)
{
	int i, c = 0;

	for (i = 0; i < n; i++)
		c += recs[i].a[0] == fid;
	return c;
}

#endif /* GZVM_HYPERCALLS_H */
