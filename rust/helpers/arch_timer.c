// SPDX-License-Identifier: GPL-2.0

#include <clocksource/arm_arch_timer.h>

__rust_helper u64 rust_helper_gv_arch_timer_counter(void)
{
	return arch_timer_read_counter();
}

__rust_helper u32 rust_helper_gv_arch_timer_rate(void)
{
	return arch_timer_get_rate();
}
