/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gate's own test: a struct bindgen 0.73 lays out differently from C
 * (see docs/bindgen-task-struct.md). An empty struct with an alignment
 * attribute loses the alignment in Rust, so every later field of a struct
 * embedding it moves. check-layouts.sh must report this one as "not ok".
 */
struct gv_layout_empty_aligned {
} __aligned(64);

struct gv_layout_selftest {
	unsigned int before;
	struct gv_layout_empty_aligned stats;
	void *after;
};
