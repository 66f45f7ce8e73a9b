/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest programs for the gzvm selftests. They run on the hypervisor at EL1
 * with the MMU off; the tests copy each one, as data, to
 * the start of guest RAM and point the PC at it. Every program is
 * position independent. MMIO is anything outside the memory slots; the
 * tests use 0x10000000 (MMIO_BASE).
 */

	.section .rodata.guest, "a"
	.balign 4

/* Store 0xdeadbeef (32 bit) to MMIO_BASE + 8, then hvc SYSTEM_OFF. */
	.global guest_mmio_write, guest_mmio_write_end
guest_mmio_write:
	movz	x1, #0x1000, lsl #16
	movz	w2, #0xbeef
	movk	w2, #0xdead, lsl #16
	str	w2, [x1, #8]
	movz	x0, #0x0008
	movk	x0, #0x8400, lsl #16
	hvc	#0
guest_mmio_write_end:

/*
 * Read a byte, a signed halfword and a doubleword from MMIO, then write
 * their sum back to MMIO_BASE + 0x100 (post-indexed store), then shut down.
 */
	.global guest_mmio_read, guest_mmio_read_end
guest_mmio_read:
	movz	x1, #0x1000, lsl #16
	ldrb	w2, [x1]
	ldrsh	x3, [x1, #2]
	ldr	x4, [x1, #8]
	add	x5, x2, x3
	add	x5, x5, x4
	add	x6, x1, #0x100
	/*
	 * No writeback form: a real CPU gives the hypervisor no syndrome
	 * (ESR_EL2.ISV = 0) for MMIO with writeback, which neither gzhyp nor
	 * KVM emulates.
	 */
	str	x5, [x6]
	add	x6, x6, #8
	str	x6, [x1, #0x200]
	movz	x0, #0x0008
	movk	x0, #0x8400, lsl #16
	hvc	#0
guest_mmio_read_end:

/* A vendor hypercall; report the answer's x0..x1 sum through MMIO. */
	.global guest_hvc, guest_hvc_end
guest_hvc:
	movz	x0, #0x1234
	movk	x0, #0xc300, lsl #16
	movz	x1, #11
	movz	x7, #77
	hvc	#0
	add	x0, x0, x1
	movz	x9, #0x1000, lsl #16
	str	x0, [x9]
	movz	x0, #0x0000
	movk	x0, #0x8400, lsl #16
	hvc	#0
	str	x0, [x9, #8]
	movz	x0, #0x0009
	movk	x0, #0x8400, lsl #16
	hvc	#0
guest_hvc_end:

/*
 * Spin forever, counting in x0 and storing the count to RAM at
 * GUEST_RAM_GPA + 0x1000 so the host can watch progress: only a signal
 * gets the vCPU back to userspace.
 */
	.global guest_spin, guest_spin_end
guest_spin:
	movz	x1, #0x8000, lsl #16
	add	x1, x1, #0x1000
1:	add	x0, x0, #1
	str	x0, [x1]
	b	1b
guest_spin_end:

/* An FP instruction, which traps at reset (CPACR_EL1.FPEN is 0). */
	.global guest_undef, guest_undef_end
guest_undef:
	nop
	fmov	d0, xzr
guest_undef_end:

/*
 * Read PMCR_EL0 and MDSCR_EL1, write MDSCR_EL1 and read it back (x0, x1,
 * x3), then report with a store to MMIO_BASE. The PMU and the debug
 * registers are the host's: the hypervisor makes them read as zero and
 * ignore writes.
 */
	.global guest_pmu_debug, guest_pmu_debug_end
guest_pmu_debug:
	mrs	x0, pmcr_el0
	mrs	x1, mdscr_el1
	movz	x2, #0x8000
	msr	mdscr_el1, x2
	mrs	x3, mdscr_el1
	movz	x4, #0x1000, lsl #16
	str	x0, [x4]
	b	.
guest_pmu_debug_end:

/*
 * Memory walk: x0 = base, x1 = bytes, x2 = stride. Writes each address
 * to itself, reads every one back, and reports the number of mismatches
 * (0 expected) to MMIO_BASE, then shuts down.
 */
	.global guest_memwalk, guest_memwalk_end
guest_memwalk:
	mov	x3, x0
	add	x4, x0, x1
1:	str	x3, [x3]
	add	x3, x3, x2
	cmp	x3, x4
	b.lo	1b
	mov	x3, x0
	movz	x5, #0
2:	ldr	x6, [x3]
	cmp	x6, x3
	b.eq	3f
	add	x5, x5, #1
3:	add	x3, x3, x2
	cmp	x3, x4
	b.lo	2b
	movz	x9, #0x1000, lsl #16
	str	x5, [x9]
	movz	x0, #0x0008
	movk	x0, #0x8400, lsl #16
	hvc	#0
guest_memwalk_end:

/*
 * Touch pages (benchmark of stage-2 faults): x0 = base, x1 = bytes,
 * x2 = stride. Each pass stores to every page, then exits with an MMIO
 * store of the end address to MMIO_BASE; the next RUN makes the next pass.
 */
	.global guest_touch, guest_touch_end
guest_touch:
	add	x4, x0, x1
	mov	x3, x0
1:	str	x3, [x3]
	add	x3, x3, x2
	cmp	x3, x4
	b.lo	1b
	movz	x9, #0x1000, lsl #16
	str	x3, [x9]
	b	guest_touch
guest_touch_end:

/* Exit on every instruction: an MMIO store loop (benchmark). */
	.global guest_exit_loop, guest_exit_loop_end
guest_exit_loop:
	movz	x1, #0x1000, lsl #16
1:	str	x0, [x1]
	b	1b
guest_exit_loop_end:

/* PSCI CPU_OFF: the vCPU stops for good. */
	.global guest_cpu_off, guest_cpu_off_end
guest_cpu_off:
	movz	x0, #0x0002
	movk	x0, #0x8400, lsl #16
	hvc	#0
	b	.
guest_cpu_off_end:

/*
 * Give a page back (MEM_RELINQUISH), report the answer, then touch the
 * page again (it is paged back in) and report what it holds.
 */
	.global guest_relinquish, guest_relinquish_end
guest_relinquish:
	movz	x9, #0x1000, lsl #16
	movz	x2, #0x8020, lsl #16
	movz	x3, #42
	str	x3, [x2]
	movz	x0, #0x0009
	movk	x0, #0xc600, lsl #16
	mov	x1, x2
	hvc	#0
	str	x0, [x9]
	movz	x3, #43
	str	x3, [x2]
	ldr	x4, [x2]
	str	x4, [x9, #8]
	movz	x0, #0x0008
	movk	x0, #0x8400, lsl #16
	hvc	#0
guest_relinquish_end:

/* PTP: ask for real time + virtual counter, report x0..x3 through MMIO. */
	.global guest_ptp, guest_ptp_end
guest_ptp:
	movz	x9, #0x1000, lsl #16
	movz	x0, #0x0001
	movk	x0, #0x8600, lsl #16
	movz	x1, #0
	hvc	#0
	str	x0, [x9]
	str	x1, [x9, #8]
	str	x2, [x9, #16]
	str	x3, [x9, #24]
	movz	x0, #0x0008
	movk	x0, #0x8400, lsl #16
	hvc	#0
guest_ptp_end:

/*
 * Interrupts through the simulated GICv3. Parameters, written by the test
 * into RAM: +0x1100 the interrupt id to enable (a PPI or an SPI), +0x1108
 * 1 to make it edge-triggered, +0x1110 if not 0, a virtual timer period in
 * counter ticks (the handler re-arms the timer for PPI 27 twice, then stops
 * it). Mailbox: +0x1000 interrupts handled,
 * +0x1008 the last id acknowledged, +0x1010 set once set up.
 *
 * Installs the vector table, wakes the redistributor of vCPU 0 and enables
 * group 1 in the distributor (GICD at 0x3fff0000 and GICR at 0x3ffd0000, as
 * crosvm places them for one vCPU), configures and enables the interrupt
 * (SGI frame for private ids, distributor for SPIs), opens the priority
 * mask, unmasks IRQs and waits in WFI forever. The IRQ handler (VBAR_EL1 +
 * 0x280) acknowledges with ICC_IAR1_EL1, records the id, counts and EOIs.
 * The vector table must be 2 KiB aligned, so the program is too.
 */
	.balign 2048
	.global guest_irq, guest_irq_end
guest_irq:
	movz	x20, #0x8000, lsl #16
	add	x20, x20, #0x1000
	adr	x0, 9f
	msr	vbar_el1, x0
	movz	x21, #0x3fff, lsl #16
	movz	x22, #0x3ffd, lsl #16
	str	wzr, [x22, #0x14]
1:	ldr	w0, [x22, #0x14]
	tbnz	w0, #2, 1b
	mov	w0, #2
	str	w0, [x21]
	ldr	x23, [x20, #0x100]
	ldr	x24, [x20, #0x108]
	add	x25, x22, #0x10, lsl #12
	cmp	x23, #32
	csel	x25, x25, x21, lo
	lsr	x0, x23, #5
	lsl	x0, x0, #2
	add	x0, x0, #0x100
	and	x1, x23, #31
	mov	w2, #1
	lsl	w2, w2, w1
	cbz	x24, 2f
	lsr	x3, x23, #4
	lsl	x3, x3, #2
	add	x3, x3, #0xc00
	and	x4, x23, #15
	lsl	x4, x4, #1
	add	x4, x4, #1
	mov	w5, #1
	lsl	w5, w5, w4
	ldr	w6, [x25, x3]
	orr	w6, w6, w5
	str	w6, [x25, x3]
2:	str	w2, [x25, x0]
	mov	x0, #0xf0
	msr	S3_0_C4_C6_0, x0		/* ICC_PMR_EL1 */
	mov	x0, #1
	msr	S3_0_C12_C12_7, x0		/* ICC_IGRPEN1_EL1 */
	ldr	x0, [x20, #0x110]
	cbz	x0, 5f
	msr	cntv_tval_el0, x0
	mov	x0, #1
	msr	cntv_ctl_el0, x0
5:	mov	x0, #1
	str	x0, [x20, #0x10]
	msr	daifclr, #2
3:	wfi
	b	3b

	.balign 2048
9:	.skip	0x280
	mrs	x1, S3_0_C12_C12_0		/* ICC_IAR1_EL1 */
	cmp	x1, #1023
	b.eq	4f
	str	x1, [x20, #8]
	ldr	x2, [x20]
	add	x2, x2, #1
	str	x2, [x20]
	cmp	x1, #27
	b.ne	7f
	ldr	x3, [x20, #0x110]
	cmp	x2, #3
	b.hs	6f
	msr	cntv_tval_el0, x3
	b	7f
6:	msr	cntv_ctl_el0, xzr
7:	msr	S3_0_C12_C12_1, x1		/* ICC_EOIR1_EL1 */
4:	eret
guest_irq_end:

/*
 * MMIO writes for ioeventfd: parameters at +0x1100 a count n, +0x1108 a
 * value a, +0x1110 a value b. Stores a (32 bit) to MMIO_BASE + 0x50 n
 * times, then b once, then SYSTEM_OFF.
 */
	.global guest_ioevent, guest_ioevent_end
guest_ioevent:
	movz	x20, #0x8000, lsl #16
	add	x20, x20, #0x1000
	ldr	x3, [x20, #0x100]
	ldr	x1, [x20, #0x108]
	ldr	x2, [x20, #0x110]
	movz	x9, #0x1000, lsl #16
	cbz	x3, 2f
1:	str	w1, [x9, #0x50]
	subs	x3, x3, #1
	b.ne	1b
2:	str	w2, [x9, #0x50]
	movz	x0, #0x0008
	movk	x0, #0x8400, lsl #16
	hvc	#0
guest_ioevent_end:
