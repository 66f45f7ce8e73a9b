// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-ext end to end: QEMU virtio-mmio transports turned into
 * passthrough devices by the test overlay are bound to vfio-platform in
 * VFIO's no-IOMMU mode and used like a VMM does (device and region info,
 * mmap of the registers, interrupts through an eventfd, VFIO_DEVICE_RESET),
 * while the BPMP model's reset-line counters show each reset. Also: the
 * bind is refused without the module (vfio-platform requires a reset), a
 * device without resets is refused, the module stays pinned while a device
 * uses it, and repeated open/reset/close cycles. The module, the devices
 * and the model are part of the test image: anything missing is a failure.
 */

#include <sys/eventfd.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "vfio_pt.h"

/* One 32-bit register read the compiler must not merge or drop. */
static inline __u32 mmio_read32(const __u32 *reg)
{
	return __atomic_load_n(reg, __ATOMIC_RELAXED);
}

#define CYCLES	100
#define RESETS	200

FIXTURE(pt) {
	struct vfio v;
	int kmsg;
};

/* Nothing bound, the module loaded with its default parameters. */
static void restore(void)
{
	unbind_dev(PT_DEV);
	unbind_dev(NORESET_DEV);
	unbind_dev(EXTRA_DEV);
	unbind_dev(OPTOUT_DEV);
	if (module_loaded() && access(PARAMS_MARK, F_OK) == 0)
		unload_module();
	unlink(PARAMS_MARK);
	if (!module_loaded())
		load_module("");
}

FIXTURE_SETUP(pt)
{
	self->v.container = self->v.group = self->v.device = -1;
	self->kmsg = -1;
	ASSERT_EQ(0, write_str(NOIOMMU_PARAM, "1"))
		TH_LOG("cannot enable VFIO's no-IOMMU mode");
	restore();
	ASSERT_TRUE(module_loaded()) TH_LOG(MODULE_NAME " is not loaded");
	ASSERT_FALSE(bound_to_vfio(PT_DEV));
}

FIXTURE_TEARDOWN(pt)
{
	vfio_close(&self->v);
	if (self->kmsg >= 0)
		close(self->kmsg);
	restore();
}

/* Bind PT_DEV to vfio-platform and open it (which resets it). */
static void open_pt(struct __test_metadata *_metadata, struct vfio *v)
{
	const char *step;

	ASSERT_EQ(0, bind_dev(PT_DEV));
	ASSERT_TRUE(bound_to_vfio(PT_DEV));
	ASSERT_EQ(0, vfio_open(PT_DEV, v, &step)) TH_LOG("%s: %s", step, strerror(errno));
}

TEST_F(pt, device_info_regions_irqs)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info reg = { .argsz = sizeof(reg) };
	struct vfio_irq_info irq = { .argsz = sizeof(irq) };
	char buf[sizeof(struct vfio_irq_set) + sizeof(__s32)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;
	__u32 magic = 0, version;
	const __u32 *regs;
	__u64 count = 0;
	int efd;

	open_pt(_metadata, &self->v);

	ASSERT_EQ(0, ioctl(self->v.device, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_TRUE(info.flags & VFIO_DEVICE_FLAGS_PLATFORM);
	EXPECT_TRUE(info.flags & VFIO_DEVICE_FLAGS_RESET);
	EXPECT_EQ(1, info.num_regions);
	EXPECT_EQ(1, info.num_irqs);

	reg.index = 0;
	ASSERT_EQ(0, ioctl(self->v.device, VFIO_DEVICE_GET_REGION_INFO, &reg));
	EXPECT_EQ(0x1000, reg.size);
	EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		  VFIO_REGION_INFO_FLAG_MMAP, reg.flags);

	/* The registers, through mmap and through read(). */
	regs = mmap(NULL, reg.size, PROT_READ, MAP_SHARED, self->v.device, reg.offset);
	ASSERT_NE(MAP_FAILED, regs) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(VIRTIO_MMIO_MAGIC, mmio_read32(&regs[0]));
	version = mmio_read32(&regs[1]);
	EXPECT_TRUE(version == 1 || version == 2) TH_LOG("version %u", version);
	EXPECT_EQ(0, mmio_read32(&regs[2]));		/* device id: no backend */
	EXPECT_EQ(VIRTIO_MMIO_MAGIC, mmio_read32(&regs[0x200 / 4]));	/* next transport */
	munmap((void *)regs, reg.size);
	EXPECT_EQ(4, pread(self->v.device, &magic, 4, reg.offset));
	EXPECT_EQ(VIRTIO_MMIO_MAGIC, magic);

	reg.index = 1;
	EXPECT_EQ(-1, ioctl(self->v.device, VFIO_DEVICE_GET_REGION_INFO, &reg));
	EXPECT_EQ(EINVAL, errno);

	irq.index = 0;
	ASSERT_EQ(0, ioctl(self->v.device, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	EXPECT_EQ(1, irq.count);
	EXPECT_TRUE(irq.flags & VFIO_IRQ_INFO_EVENTFD);
	irq.index = 1;
	EXPECT_EQ(-1, ioctl(self->v.device, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	EXPECT_EQ(EINVAL, errno);

	/* An eventfd as the trigger; a software trigger must reach it. */
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	memset(buf, 0, sizeof(buf));
	set->argsz = sizeof(buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = 0;
	set->start = 0;
	set->count = 1;
	memcpy(set->data, &efd, sizeof(efd));
	ASSERT_EQ(0, ioctl(self->v.device, VFIO_DEVICE_SET_IRQS, set));
	EXPECT_EQ(-1, read(efd, &count, 8));
	set->argsz = sizeof(*set);
	set->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	ASSERT_EQ(0, ioctl(self->v.device, VFIO_DEVICE_SET_IRQS, set));
	EXPECT_EQ(8, read(efd, &count, 8));
	EXPECT_EQ(1, count);
	/* Disabled: a software trigger no longer signals it. */
	set->count = 0;
	ASSERT_EQ(0, ioctl(self->v.device, VFIO_DEVICE_SET_IRQS, set));
	set->count = 1;
	ASSERT_EQ(0, ioctl(self->v.device, VFIO_DEVICE_SET_IRQS, set));
	EXPECT_EQ(-1, read(efd, &count, 8));
	EXPECT_EQ(EAGAIN, errno);
	set->index = 1;
	EXPECT_EQ(-1, ioctl(self->v.device, VFIO_DEVICE_SET_IRQS, set));
	EXPECT_EQ(EINVAL, errno);
	close(efd);
}

TEST_F(pt, open_reset_and_close_pulse_the_line)
{
	struct line l0, l1, l2, l3;

	ASSERT_EQ(0, read_line(PT_RESET, &l0)) TH_LOG("no %s in " MODEL_STATE, PT_RESET);
	open_pt(_metadata, &self->v);
	ASSERT_EQ(0, read_line(PT_RESET, &l1));
	EXPECT_EQ(l0.pulses + 1, l1.pulses);
	EXPECT_EQ(l0.asserts + 1, l1.asserts);
	EXPECT_EQ(l0.deasserts + 1, l1.deasserts);
	EXPECT_EQ(0, l1.asserted);

	ASSERT_EQ(0, ioctl(self->v.device, VFIO_DEVICE_RESET));
	ASSERT_EQ(0, read_line(PT_RESET, &l2));
	EXPECT_EQ(l1.pulses + 1, l2.pulses);
	EXPECT_EQ(l1.asserts + 1, l2.asserts);
	EXPECT_EQ(l1.deasserts + 1, l2.deasserts);
	EXPECT_EQ(0, l2.asserted);

	vfio_close(&self->v);
	ASSERT_EQ(0, read_line(PT_RESET, &l3));
	EXPECT_EQ(l2.pulses + 1, l3.pulses);
	EXPECT_EQ(l2.asserts + 1, l3.asserts);
	EXPECT_EQ(0, l3.asserted);
}

TEST_F(pt, assert_settle_deassert_without_pulse)
{
	struct line l0, l1;
	double t0, us;

	ASSERT_EQ(0, unload_module());
	ASSERT_EQ(0, load_module("pulse=0 settle_us=2000"));
	open_pt(_metadata, &self->v);
	ASSERT_EQ(0, read_line(PT_RESET, &l0));
	t0 = now_us();
	ASSERT_EQ(0, ioctl(self->v.device, VFIO_DEVICE_RESET));
	us = now_us() - t0;
	ASSERT_EQ(0, read_line(PT_RESET, &l1));
	EXPECT_EQ(l0.pulses, l1.pulses);
	EXPECT_EQ(l0.asserts + 1, l1.asserts);
	EXPECT_EQ(l0.deasserts + 1, l1.deasserts);
	EXPECT_EQ(0, l1.asserted);
	/* The lines were held for the settle time. */
	EXPECT_LE(2000, us);
	ksft_print_msg("assert, settle 2000 us, deassert: %.0f us\n", us);
}

TEST_F(pt, bad_parameters_refused)
{
	ASSERT_EQ(0, unload_module());
	EXPECT_EQ(-EINVAL, load_module("settle_us=10001"));
	EXPECT_EQ(-EINVAL, load_module("pulse=maybe"));
	EXPECT_EQ(-EINVAL, load_module("settle_us=-1"));
	EXPECT_FALSE(module_loaded());
	/* Nothing was left registered: the bind still needs the module. */
	EXPECT_EQ(-ENOENT, bind_dev(PT_DEV));
	EXPECT_EQ(0, load_module("settle_us=10000"));
}

#define CYCLES_FMT "%d open/reset/close cycles: %.0f us per cycle; VFIO_DEVICE_RESET: %.1f us; VFIO_DEVICE_GET_INFO: %.1f us\n"

TEST_F_TIMEOUT(pt, open_reset_close_cycles, 240)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	double t0, cycle_us, reset_us, info_us;
	struct line l0, l1;
	const char *step;
	int i;

	ASSERT_EQ(0, bind_dev(PT_DEV));
	ASSERT_EQ(0, read_line(PT_RESET, &l0));
	t0 = now_us();
	for (i = 0; i < CYCLES; i++) {
		ASSERT_EQ(0, vfio_open(PT_DEV, &self->v, &step))
			TH_LOG("cycle %d: %s: %s", i, step, strerror(errno));
		ASSERT_EQ(0, ioctl(self->v.device, VFIO_DEVICE_RESET));
		vfio_close(&self->v);
	}
	cycle_us = (now_us() - t0) / CYCLES;
	ASSERT_EQ(0, read_line(PT_RESET, &l1));
	EXPECT_EQ(l0.pulses + 3 * CYCLES, l1.pulses);
	EXPECT_EQ(0, l1.asserted);

	ASSERT_EQ(0, vfio_open(PT_DEV, &self->v, &step));
	t0 = now_us();
	for (i = 0; i < RESETS; i++)
		ASSERT_EQ(0, ioctl(self->v.device, VFIO_DEVICE_RESET));
	reset_us = (now_us() - t0) / RESETS;
	/* Baseline: an ioctl of the same device that does no reset. */
	t0 = now_us();
	for (i = 0; i < RESETS; i++)
		ASSERT_EQ(0, ioctl(self->v.device, VFIO_DEVICE_GET_INFO, &info));
	info_us = (now_us() - t0) / RESETS;
	ksft_print_msg(CYCLES_FMT, CYCLES, cycle_us, reset_us, info_us);
}

TEST_F(pt, unbind_and_rebind)
{
	struct vfio_region_info reg = { .argsz = sizeof(reg) };
	__u32 magic = 0;
	char path[64];
	int gid;

	open_pt(_metadata, &self->v);
	gid = group_id(PT_DEV);
	vfio_close(&self->v);
	ASSERT_EQ(0, unbind_dev(PT_DEV));
	EXPECT_FALSE(bound_to_vfio(PT_DEV));
	snprintf(path, sizeof(path), "/dev/vfio/noiommu-%d", gid);
	EXPECT_NE(0, access(path, F_OK)) TH_LOG("%s outlived the unbind", path);

	open_pt(_metadata, &self->v);
	ASSERT_EQ(0, ioctl(self->v.device, VFIO_DEVICE_GET_REGION_INFO, &reg));
	EXPECT_EQ(4, pread(self->v.device, &magic, 4, reg.offset));
	EXPECT_EQ(VIRTIO_MMIO_MAGIC, magic);
}

TEST_F(pt, module_pinned_while_bound)
{
	ASSERT_EQ(0, bind_dev(PT_DEV));
	EXPECT_EQ(-EAGAIN, unload_module());
	EXPECT_TRUE(module_loaded());
	ASSERT_EQ(0, unbind_dev(PT_DEV));
	EXPECT_EQ(0, unload_module());
	EXPECT_FALSE(module_loaded());
}

TEST_F(pt, bind_needs_the_reset_handler)
{
	const char *step;
	char req[4] = "";
	FILE *f;

	/* vfio-platform keeps its upstream default. */
	f = fopen(RESET_REQUIRED_PARAM, "re");
	ASSERT_NE(NULL, f) TH_LOG("%s: %s", RESET_REQUIRED_PARAM, strerror(errno));
	ASSERT_NE(NULL, fgets(req, sizeof(req), f));
	fclose(f);
	EXPECT_EQ('Y', req[0]);

	ASSERT_EQ(0, unload_module());
	/* vfio-platform's reset_required: no handler, no bind. */
	EXPECT_EQ(-ENOENT, bind_dev(PT_DEV));
	EXPECT_FALSE(bound_to_vfio(PT_DEV));
	ASSERT_EQ(0, load_module(""));
	ASSERT_EQ(0, bind_dev(PT_DEV));
	EXPECT_TRUE(bound_to_vfio(PT_DEV));
	EXPECT_EQ(0, vfio_open(PT_DEV, &self->v, &step)) TH_LOG("%s", step);
}

TEST_F(pt, device_without_resets_refused)
{
	struct line l0, l1;
	const char *step;

	if (!dev_exists(NORESET_DEV))
		SKIP(return, "no platform device %s (set VFIO_PT_NORESET_DEV)", NORESET_DEV);
	ASSERT_EQ(0, read_line(PT_RESET, &l0));
	self->kmsg = kmsg_open();
	ASSERT_LE(0, self->kmsg);
	/* The handler exists for its compatible, so the bind works ... */
	ASSERT_EQ(0, bind_dev(NORESET_DEV));
	/* ... but it is never handed over without a reset. */
	EXPECT_EQ(-ENOENT, vfio_open(NORESET_DEV, &self->v, &step));
	EXPECT_STREQ("VFIO_GROUP_GET_DEVICE_FD", step);
	EXPECT_TRUE(kmsg_has(self->kmsg, NORESET_DEV,
			     "refusing to pass it through without a reset"));
	ASSERT_EQ(0, read_line(PT_RESET, &l1));
	EXPECT_EQ(l0.pulses, l1.pulses);
}

TEST_F(pt, opted_out_device_passes_without_reset)
{
	struct line l0, l1;
	const char *step;

	if (!dev_exists(OPTOUT_DEV))
		SKIP(return, "no platform device %s (set VFIO_PT_OPTOUT_DEV)", OPTOUT_DEV);
	ASSERT_EQ(0, read_line(PT_RESET, &l0));
	self->kmsg = kmsg_open();
	ASSERT_LE(0, self->kmsg);
	/* No resets, but the node says it has nothing to reset. */
	ASSERT_EQ(0, bind_dev(OPTOUT_DEV));
	ASSERT_EQ(0, vfio_open(OPTOUT_DEV, &self->v, &step)) TH_LOG("%s: %s", step,
								    strerror(errno));
	EXPECT_EQ(0, ioctl(self->v.device, VFIO_DEVICE_RESET));
	EXPECT_TRUE(kmsg_has(self->kmsg, OPTOUT_DEV,
			     "passed through without a reset (nvidia,no-reset-required)"));
	vfio_close(&self->v);
	ASSERT_EQ(0, unbind_dev(OPTOUT_DEV));
	/* No reset line of the model moved. */
	ASSERT_EQ(0, read_line(PT_RESET, &l1));
	EXPECT_EQ(l0.pulses, l1.pulses);
	EXPECT_EQ(l0.asserts, l1.asserts);
}

TEST_F(pt, extra_compatible_from_kconfig)
{
	const char *step;

	if (!dev_exists(EXTRA_DEV))
		SKIP(return, "no platform device %s (set VFIO_PT_EXTRA_DEV)", EXTRA_DEV);
	/* "virtio,mmio" is the test kernel's extra compatible. */
	ASSERT_EQ(0, bind_dev(EXTRA_DEV));
	EXPECT_TRUE(bound_to_vfio(EXTRA_DEV));
	/* It has no resets either. */
	EXPECT_EQ(-ENOENT, vfio_open(EXTRA_DEV, &self->v, &step));
	EXPECT_STREQ("VFIO_GROUP_GET_DEVICE_FD", step);
	vfio_close(&self->v);
	ASSERT_EQ(0, unbind_dev(EXTRA_DEV));
	ASSERT_EQ(0, unload_module());
	EXPECT_EQ(-ENOENT, bind_dev(EXTRA_DEV));
}

int main(int argc, char **argv)
{
	return vfio_pt_harness_main(argc, argv);
}
