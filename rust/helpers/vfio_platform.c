// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform reset-handler registration, for kernel::vfio_platform.
 *
 * vfio-platform keeps its reset handlers, and the structs they use, private
 * to drivers/vfio/platform (vfio_platform_private.h); its exported
 * __vfio_platform_register_reset() and vfio_platform_unregister_reset() are
 * the registration API. This file is the only place that includes that
 * header, and it does so through the kernel's include root
 * (<../drivers/...>), which names the same file whether this helper is
 * reached through the drivers/ghaf_virt symlink or not. Rust never sees the
 * structs' layout: it gets a node from gv_vfio_platform_register_reset(),
 * gives it back to gv_vfio_platform_unregister_reset(), and reads a
 * device's struct device through gv_vfio_platform_device().
 *
 * vfio_platform_unregister_reset() removes the first node with the given
 * compatible and handler, so two equal nodes could not be told apart when
 * one of them goes: registering the same handler twice for one compatible
 * is refused here (-EEXIST).
 *
 * The functions call into vfio-platform, so they exist only when it is
 * built in (the Rust side is compiled under the same condition).
 */

#include <linux/kconfig.h>

#if IS_BUILTIN(CONFIG_VFIO_PLATFORM_BASE)

#include <linux/cleanup.h>
#include <linux/err.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <../drivers/vfio/platform/vfio_platform_private.h>

struct gv_vfio_reset {
	struct vfio_platform_reset_node node;
	struct list_head entry;
};

static LIST_HEAD(gv_vfio_resets);
static DEFINE_MUTEX(gv_vfio_resets_lock);

__rust_helper struct device *
rust_helper_gv_vfio_platform_device(struct vfio_platform_device *vdev)
{
	return vdev->device;
}

/*
 * Not __rust_helper: these two share the list and lock above, so they must
 * stay single out-of-line functions even with CONFIG_RUST_INLINE_HELPERS.
 */

struct vfio_platform_reset_node *
rust_helper_gv_vfio_platform_register_reset(const char *compat, struct module *owner,
					    int (*reset)(struct vfio_platform_device *vdev))
{
	struct gv_vfio_reset *r;

	guard(mutex)(&gv_vfio_resets_lock);
	list_for_each_entry(r, &gv_vfio_resets, entry) {
		if (r->node.of_reset == reset && !strcmp(r->node.compat, compat))
			return ERR_PTR(-EEXIST);
	}
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->node.compat = kstrdup(compat, GFP_KERNEL);
	if (!r->node.compat) {
		kfree(r);
		return ERR_PTR(-ENOMEM);
	}
	r->node.owner = owner;
	r->node.of_reset = reset;
	list_add(&r->entry, &gv_vfio_resets);
	__vfio_platform_register_reset(&r->node);
	return &r->node;
}

void rust_helper_gv_vfio_platform_unregister_reset(struct vfio_platform_reset_node *node)
{
	struct gv_vfio_reset *r = container_of(node, struct gv_vfio_reset, node);

	guard(mutex)(&gv_vfio_resets_lock);
	vfio_platform_unregister_reset(node->compat, node->of_reset);
	list_del(&r->entry);
	kfree(node->compat);
	kfree(r);
}

#endif /* IS_BUILTIN(CONFIG_VFIO_PLATFORM_BASE) */
