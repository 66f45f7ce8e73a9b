/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest programs of guest.S as data: the gzvm selftests and the KVM harness
 * (kvm-bench) load the same machine code into their guests' RAM.
 */
#ifndef GZVM_GUEST_PROG_H
#define GZVM_GUEST_PROG_H

#include <stddef.h>

/* A guest program: machine code from guest.S. */
struct prog {
	const char *code;
	size_t len;
};

#define GUEST_PROG(name)						\
	extern const char guest_##name[], guest_##name##_end[]
#define PROG(name)	((struct prog){ guest_##name,			\
			  (size_t)(guest_##name##_end - guest_##name) })

#endif /* GZVM_GUEST_PROG_H */
