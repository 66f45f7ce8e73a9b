/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the vfio-platform-ext tests: sysfs binding, VFIO no-IOMMU
 * container/group/device setup, loading and unloading the module, the BPMP
 * model's reset-line counters and the kernel log.
 */
#ifndef VFIO_PT_SELFTEST_H
#define VFIO_PT_SELFTEST_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <linux/vfio.h>

#include "kselftest.h"

/* The environment variable @name, or @def if it is unset or empty. */
static inline const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

/*
 * The passthrough platform devices, as named in /sys/bus/platform/devices;
 * the defaults are those of the test overlay (dt-overlays/qemu-virt-test.dtso).
 */
/* nvidia,dummy, reset 102 */
#define PT_DEV		env_or("VFIO_PT_DEV", "a000000.virtio_mmio")
/* no resets */
#define NORESET_DEV	env_or("VFIO_PT_NORESET_DEV", "a003e00.virtio_mmio")
/* Kconfig list */
#define EXTRA_DEV	env_or("VFIO_PT_EXTRA_DEV", "a003c00.virtio_mmio")
/* opted out */
#define OPTOUT_DEV	env_or("VFIO_PT_OPTOUT_DEV", "a003a00.virtio_mmio")
/* PT_DEV's reset line in the BPMP model's debugfs state. */
#define PT_RESET	"reset 102"

#define VIRTIO_MMIO_MAGIC	0x74726976	/* "virt" */

#define MODULE_NAME	"vfio_platform_ext"

/*
 * The module file the tests reload with other parameters: VFIO_PLATFORM_EXT_KO,
 * or where `make modules_install` puts it for the running kernel.
 */
static inline const char *module_ko(void)
{
	static char path[PATH_MAX];
	struct utsname u;

	if (getenv("VFIO_PLATFORM_EXT_KO") && *getenv("VFIO_PLATFORM_EXT_KO"))
		return getenv("VFIO_PLATFORM_EXT_KO");
	if (uname(&u))
		return "vfio_platform_ext.ko";
	snprintf(path, sizeof(path),
		 "/lib/modules/%s/kernel/drivers/vfio/platform/reset/ext/vfio_platform_ext.ko",
		 u.release);
	return path;
}
#define MODEL_STATE	"/sys/kernel/debug/bpmp-model/state"
#define NOIOMMU_PARAM	"/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
#define VFIO_DRV	"/sys/bus/platform/drivers/vfio-platform"
#define RESET_REQUIRED_PARAM	"/sys/module/vfio_platform/parameters/reset_required"

static inline int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static inline void dev_path(char *buf, size_t n, const char *dev, const char *leaf)
{
	snprintf(buf, n, "/sys/bus/platform/devices/%s/%s", dev, leaf);
}

/* The last path component of the sysfs link @leaf of @dev, into @out; -1 if none. */
static inline int link_leaf(const char *dev, const char *leaf, char *out, size_t n)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t len;
	char *slash;

	dev_path(path, sizeof(path), dev, leaf);
	len = readlink(path, link, sizeof(link) - 1);
	if (len < 0)
		return -1;
	link[len] = 0;
	slash = strrchr(link, '/');
	snprintf(out, n, "%s", slash ? slash + 1 : link);
	return 0;
}

/* Whether @dev is bound to vfio-platform. */
static inline bool bound_to_vfio(const char *dev)
{
	char name[PATH_MAX];

	return !link_leaf(dev, "driver", name, sizeof(name)) &&
	       !strcmp(name, "vfio-platform");
}

/* driver_override + bind; 0 or -errno of the bind write. */
static inline int bind_dev(const char *dev)
{
	char path[PATH_MAX];
	int ret;

	dev_path(path, sizeof(path), dev, "driver_override");
	ret = write_str(path, "vfio-platform");
	if (ret)
		return ret;
	return write_str(VFIO_DRV "/bind", dev);
}

static inline int unbind_dev(const char *dev)
{
	if (!bound_to_vfio(dev))
		return 0;
	return write_str(VFIO_DRV "/unbind", dev);
}

/* The (no-IOMMU) group number of @dev, or -1. */
static inline int group_id(const char *dev)
{
	char name[PATH_MAX];

	if (link_leaf(dev, "iommu_group", name, sizeof(name)))
		return -1;
	return atoi(name);
}

static inline bool module_loaded(void)
{
	return access("/sys/module/" MODULE_NAME, F_OK) == 0;
}

/* Exists while the module is loaded with non-default parameters. */
#define PARAMS_MARK	"/tmp/vfio_platform_ext.params"

/* finit_module() of our module with @params; 0 or -errno. */
static inline int load_module(const char *params)
{
	int fd = open(module_ko(), O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params, 0))
		ret = -errno;
	close(fd);
	if (!ret && params[0])
		close(open(PARAMS_MARK, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	return ret;
}

static inline int unload_module(void)
{
	return syscall(SYS_delete_module, MODULE_NAME, O_NONBLOCK) ? -errno : 0;
}

/* A reset line of the BPMP model, from its debugfs state. */
struct line {
	long asserted, asserts, deasserts, pulses;
};

static inline long field(const char *line, const char *key)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(line, pat);
	return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

/* 0, or -1 if the model or the line is missing. */
static inline int read_line(const char *prefix, struct line *l)
{
	FILE *f = fopen(MODEL_STATE, "re");
	size_t plen = strlen(prefix);
	char buf[256];
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f)) {
		if (strncmp(buf, prefix, plen) || buf[plen] != ' ')
			continue;
		l->asserted = field(buf, "asserted");
		l->asserts = field(buf, "asserts");
		l->deasserts = field(buf, "deasserts");
		l->pulses = field(buf, "pulses");
		ret = l->pulses < 0 ? -1 : 0;
		break;
	}
	fclose(f);
	return ret;
}

struct vfio {
	int container, group, device;
};

static inline void vfio_close(struct vfio *v)
{
	if (v->device >= 0)
		close(v->device);
	if (v->group >= 0)
		close(v->group);
	if (v->container >= 0)
		close(v->container);
	v->device = v->group = v->container = -1;
}

/*
 * Container, no-IOMMU group and device fd of @dev (bound to vfio-platform).
 * Returns 0, or -errno of the step that failed in *step.
 */
static inline int vfio_open(const char *dev, struct vfio *v, const char **step)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	int gid;

	v->container = v->group = v->device = -1;
	*step = "open /dev/vfio/vfio";
	v->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (v->container < 0)
		return -errno;
	*step = "VFIO_GET_API_VERSION";
	if (ioctl(v->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return -EPROTO;
	*step = "VFIO_CHECK_EXTENSION(VFIO_NOIOMMU_IOMMU)";
	if (ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU) != 1)
		return -ENODEV;
	*step = "iommu_group link";
	gid = group_id(dev);
	if (gid < 0)
		return -ENOENT;
	snprintf(path, sizeof(path), "/dev/vfio/noiommu-%d", gid);
	*step = "open the no-IOMMU group";
	v->group = open(path, O_RDWR | O_CLOEXEC);
	if (v->group < 0)
		return -errno;
	*step = "VFIO_GROUP_GET_STATUS";
	if (ioctl(v->group, VFIO_GROUP_GET_STATUS, &status))
		return -errno;
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		return -EBUSY;
	*step = "VFIO_GROUP_SET_CONTAINER";
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container))
		return -errno;
	*step = "VFIO_SET_IOMMU";
	if (ioctl(v->container, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU))
		return -errno;
	*step = "VFIO_GROUP_GET_DEVICE_FD";
	v->device = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, dev);
	if (v->device < 0)
		return -errno;
	*step = "";
	return 0;
}

static inline double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Start reading the kernel log at its end. */
static inline int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Whether a record logged since kmsg_open() contains @a and @b. */
static inline bool kmsg_has(int fd, const char *a, const char *b)
{
	char rec[2048];
	bool found = false;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0) {
			if (errno == EPIPE)
				continue;
			break;
		}
		rec[n] = 0;
		if (strstr(rec, a) && strstr(rec, b))
			found = true;
	}
	return found;
}

/* Whether the platform device @dev exists. */
static inline bool dev_exists(const char *dev)
{
	char path[PATH_MAX];

	dev_path(path, sizeof(path), dev, "");
	return access(path, F_OK) == 0;
}

/*
 * What every test needs; without it a program skips as a whole with the
 * reason: the passthrough device, vfio-platform with no-IOMMU mode, the BPMP
 * model (its reset controller resets the device and counts the pulses), and
 * the module (loaded, or its file to load).
 */
static inline const char *missing(void)
{
	static char why[PATH_MAX + 128];

	if (!dev_exists(PT_DEV))
		snprintf(why, sizeof(why), "no platform device %s (set VFIO_PT_DEV)", PT_DEV);
	else if (access(VFIO_DRV, F_OK))
		snprintf(why, sizeof(why), "no vfio-platform driver (CONFIG_VFIO_PLATFORM)");
	else if (access(NOIOMMU_PARAM, F_OK))
		snprintf(why, sizeof(why), "no VFIO no-IOMMU mode (CONFIG_VFIO_NOIOMMU)");
	else if (access(MODEL_STATE, R_OK))
		snprintf(why, sizeof(why), "no %s (CONFIG_BPMP_VIRT_MODEL, debugfs)", MODEL_STATE);
	else if (!module_loaded() && access(module_ko(), R_OK))
		snprintf(why, sizeof(why), "%s not loaded, no %s (set VFIO_PLATFORM_EXT_KO)",
			 MODULE_NAME, module_ko());
	else
		return NULL;
	return why;
}

static inline int vfio_pt_harness_main(int argc, char **argv)
{
	if (missing())
		ksft_exit_skip("%s\n", missing());
	return test_harness_run(argc, argv);
}


#endif /* VFIO_PT_SELFTEST_H */
