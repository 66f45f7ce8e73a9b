// SPDX-License-Identifier: GPL-2.0
/*
 * Detector canary: commits, on purpose, each kind of bug the test suite must
 * catch (a WARN, a KASAN out-of-bounds read, a lock-order inversion for
 * lockdep, a memory leak for kmemleak). It is loaded only in a separate
 * "canary" boot, whose verdict must be "every detector fired"; it proves the
 * test kernel's checkers are live and that the judge reads their reports.
 */

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

static DEFINE_MUTEX(canary_a);
static DEFINE_MUTEX(canary_b);

static noinline void canary_leak(void)
{
	char *p = kmalloc(192, GFP_KERNEL);

	if (p)
		memset(p, 0x5a, 192);
	/* The only reference is dropped here. */
}

static noinline void canary_kasan(void)
{
	char *p = kmalloc(64, GFP_KERNEL);
	size_t i = 64;

	if (!p)
		return;
	OPTIMIZER_HIDE_VAR(i);
	pr_info("gv_canary: out-of-bounds byte %d\n", READ_ONCE(p[i]));
	kfree(p);
}

static noinline void canary_lock_inversion(void)
{
	mutex_lock(&canary_a);
	mutex_lock(&canary_b);
	mutex_unlock(&canary_b);
	mutex_unlock(&canary_a);

	mutex_lock(&canary_b);
	mutex_lock(&canary_a);
	mutex_unlock(&canary_a);
	mutex_unlock(&canary_b);
}

static int __init gv_canary_init(void)
{
	int i;

	/* Lockdep first: the KASAN report taints the kernel and turns it off. */
	canary_lock_inversion();
	/*
	 * Several leaks: a stale copy of a pointer (in a freed stack, say) can
	 * hide one of them from a scan, but not all.
	 */
	for (i = 0; i < 16; i++)
		canary_leak();
	canary_kasan();
	WARN(1, "gv_canary: deliberate warning\n");
	return 0;
}
module_init(gv_canary_init);

MODULE_DESCRIPTION("Detector canary for the test suite (commits bugs on purpose)");
MODULE_LICENSE("GPL");
