// SPDX-License-Identifier: GPL-2.0

#include <linux/timekeeping.h>

__rust_helper void rust_helper_gv_ktime_snapshot(u64 *real_ns, u64 *cycles)
{
	struct system_time_snapshot snap;

	ktime_get_snapshot_id(CLOCK_REALTIME, &snap);
	*real_ns = ktime_to_ns(snap.systime);
	*cycles = snap.cycles;
}
