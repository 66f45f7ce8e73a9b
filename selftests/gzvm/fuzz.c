// SPDX-License-Identifier: GPL-2.0
/*
 * Bounded random ioctls on /dev/gzvm, a VM fd and a vCPU fd: every call
 * must return (no hang), and the fds must still work afterwards. Kernel
 * splats and leaks are caught by the test run's dmesg and kmemleak checks.
 */

#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/gzvm.h>

#include "kselftest_harness.h"
#include "gzvm_util.h"

#define ITERATIONS	20000
#define SEED		0x67a7c0deU

static const unsigned long cmds[] = {
	GZVM_CREATE_VM, GZVM_CHECK_EXTENSION, GZVM_CREATE_VCPU,
	GZVM_SET_USER_MEMORY_REGION, GZVM_SET_MEMORY_REGION, GZVM_IRQ_LINE,
	GZVM_CREATE_DEVICE, GZVM_RUN, GZVM_ENABLE_CAP, GZVM_GET_ONE_REG,
	GZVM_SET_ONE_REG, GZVM_IRQFD, GZVM_IOEVENTFD, GZVM_SET_DTB_CONFIG,
};

static __u64 rnd(void)
{
	return ((__u64)random() << 33) ^ ((__u64)random() << 11) ^ random();
}

TEST(random_ioctls)
{
	struct guest g;
	__u64 buf[64];
	int fds[3], i, created = 0;
	__u64 cap;

	ASSERT_EQ(0, set_paging(2));
	ASSERT_EQ(0, guest_setup(&g, 1 << 20, PROG(undef)));
	fds[0] = g.dev;
	fds[1] = g.vm;
	fds[2] = g.vcpu;
	srandom(SEED);
	TH_LOG("seed %#x, %d iterations", SEED, ITERATIONS);
	for (i = 0; i < ITERATIONS; i++) {
		unsigned long cmd = random() % 4 ?
			cmds[random() % ARRAY_SIZE(cmds)] : (unsigned long)rnd();
		unsigned int j, n = random() % 4;
		unsigned long arg;
		int fd = fds[random() % 3], ret;

		for (j = 0; j < ARRAY_SIZE(buf); j++)
			buf[j] = n == 0 ? rnd() : (n == 1 ? random() % 16 : 0);
		/* Keep guest RUNs short: no immediate-exit tricks needed. */
		switch (random() % 4) {
		case 0:
			arg = (unsigned long)buf;
			break;
		case 1:
			arg = random() % 4096;
			break;
		case 2:
			arg = (unsigned long)rnd();
			break;
		default:
			arg = (unsigned long)buf + random() % 256;
			break;
		}
		ret = ioctl(fd, cmd, arg);
		/* New VM/vCPU fds are closed again. */
		if (ret > 2 && (cmd == GZVM_CREATE_VM || cmd == GZVM_CREATE_VCPU)) {
			close(ret);
			created++;
		}
	}
	TH_LOG("%d fds created and closed", created);
	cap = GZVM_CAP_PROTECTED_VM;
	EXPECT_EQ(0, ioctl(g.dev, GZVM_CHECK_EXTENSION, &cap));
	cap = GZVM_CAP_PROTECTED_VM;
	EXPECT_EQ(0, ioctl(g.vm, GZVM_CHECK_EXTENSION, &cap));
	EXPECT_EQ(0, set_reg(g.vcpu, REG_X(3), 3));
	guest_teardown(&g);
}

int main(int argc, char **argv)
{
	return gzvm_harness_main(argc, argv);
}
