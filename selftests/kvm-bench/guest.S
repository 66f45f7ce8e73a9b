/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KVM harness runs the very guest programs of the gzvm selftests, so
 * that the two systems are compared on the same machine code.
 */
#include "../gzvm/guest.S"
