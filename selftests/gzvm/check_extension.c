// SPDX-License-Identifier: GPL-2.0
/*
 * GZVM_CHECK_EXTENSION on /dev/gzvm: the upstream ABI passes a pointer to a
 * __u64 capability id and writes the answer back through it.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/gzvm.h>

#include "kselftest_harness.h"
#include "gzvm_util.h"

/* Numbers and values of the upstream header, checked at build time. */
_Static_assert(GZVM_IOC_MAGIC == 0x92, "ioctl magic");
_Static_assert(GZVM_CHECK_EXTENSION == 0x9203, "GZVM_CHECK_EXTENSION");
_Static_assert(GZVM_CAP_VM_GPA_SIZE == 0xa5, "GZVM_CAP_VM_GPA_SIZE");
_Static_assert(GZVM_CAP_PROTECTED_VM == 0xffbadab1, "GZVM_CAP_PROTECTED_VM");

FIXTURE(gzvm) {
	int fd;
};

FIXTURE_SETUP(gzvm)
{
	self->fd = gzvm_open_dev();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", gzvm_dev(), strerror(errno));
}

FIXTURE_TEARDOWN(gzvm)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(gzvm, protected_vm_cap_is_one)
{
	__u64 cap = GZVM_CAP_PROTECTED_VM;

	ASSERT_EQ(0, ioctl(self->fd, GZVM_CHECK_EXTENSION, &cap));
	EXPECT_EQ(1ULL, cap);
}

TEST_F(gzvm, gpa_size_is_a_pa_width)
{
	__u64 cap = GZVM_CAP_VM_GPA_SIZE;

	ASSERT_EQ(0, ioctl(self->fd, GZVM_CHECK_EXTENSION, &cap));
	/* arm64 physical address sizes: 36 .. 52 bits. */
	EXPECT_LE(36ULL, cap);
	EXPECT_GE(52ULL, cap);
}

TEST_F(gzvm, unknown_cap_is_eopnotsupp_and_untouched)
{
	static const __u64 unknown[] = {
		0, 1, 0xa4, 0xa6, 0xffbadab0, 0xffbadab2, UINT64_MAX,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(unknown); i++) {
		__u64 cap = unknown[i];

		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, GZVM_CHECK_EXTENSION, &cap));
		EXPECT_EQ(EOPNOTSUPP, errno) TH_LOG("cap %#llx", unknown[i]);
		EXPECT_EQ(unknown[i], cap);
	}
}

TEST_F(gzvm, null_pointer_is_efault)
{
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, GZVM_CHECK_EXTENSION, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(gzvm, unmapped_pointer_is_efault)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, GZVM_CHECK_EXTENSION, p));
	EXPECT_EQ(EFAULT, errno);
	munmap(p, page);
}

TEST_F(gzvm, read_only_pointer_is_efault)
{
	long page = sysconf(_SC_PAGESIZE);
	__u64 *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	*p = GZVM_CAP_PROTECTED_VM;
	ASSERT_EQ(0, mprotect(p, page, PROT_READ));
	/* The id can be read but the answer cannot be written back. */
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, GZVM_CHECK_EXTENSION, p));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(GZVM_CAP_PROTECTED_VM, *p);
	munmap(p, page);
}

TEST_F(gzvm, pointer_straddling_unmapped_page_is_efault)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + page, page));
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, GZVM_CHECK_EXTENSION, p + page - 4));
	EXPECT_EQ(EFAULT, errno);
	munmap(p, page);
}

TEST_F(gzvm, unknown_ioctls_are_enotty)
{
	static const unsigned long cmds[] = {
		_IO(GZVM_IOC_MAGIC, 0x00),
		_IO(GZVM_IOC_MAGIC, 0x02),
		/* CHECK_EXTENSION's number with another direction or size. */
		_IOW(GZVM_IOC_MAGIC, 0x03, __u64),
		_IOWR(GZVM_IOC_MAGIC, 0x03, __u64),
		_IO(0x93, 0x03),
		/* VM fd ioctls are not /dev/gzvm ioctls. */
		_IO(GZVM_IOC_MAGIC, 0x41),
		_IO(GZVM_IOC_MAGIC, 0x80),
	};
	__u64 cap = GZVM_CAP_PROTECTED_VM;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, cmds[i], &cap))
			TH_LOG("cmd %#lx", cmds[i]);
		EXPECT_EQ(ENOTTY, errno) TH_LOG("cmd %#lx", cmds[i]);
	}
}

TEST_F(gzvm, reads_and_writes_are_rejected)
{
	char buf[8] = { 0 };

	/* /dev/gzvm only has ioctls. */
	errno = 0;
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, write(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
}

int main(int argc, char **argv)
{
	return gzvm_harness_main(argc, argv);
}
