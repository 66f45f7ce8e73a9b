/* SPDX-License-Identifier: GPL-2.0 */
/* Anonymous-inode files, for kernel::anon_file. */
#include <linux/anon_inodes.h>
