// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark, printed and not asserted: the round trip of one MRQ_PING
 * through write() on /dev/bpmp-host (wire decode, policy, copies, model)
 * against the same request made directly to the firmware model in the
 * kernel (debugfs bench knob). The figures are "# " comment lines.
 */

#include <time.h>

#include "kselftest_harness.h"
#include "bpmp.h"

#define ROUNDS 20000

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

TEST(write_round_trip_vs_direct_model_call)
{
	unsigned long long t0, t1, direct = 0, requests = 0;
	__u32 ping = 1, reply = 0;
	char cmd[32], *text, *p;
	double per_write;
	int fd, knob, i, len;

	fd = open(DEV_DEFAULT, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", DEV_DEFAULT, strerror(errno));

	/* Warm up, then time ROUNDS write()s. */
	for (i = 0; i < 100; i++)
		ASSERT_EQ(48, bpmp_xfer(fd, MRQ_PING, &ping, 4, &reply, 4).rc);
	t0 = now_ns();
	for (i = 0; i < ROUNDS; i++)
		ASSERT_EQ(48, bpmp_xfer(fd, MRQ_PING, &ping, 4, &reply, 4).rc);
	t1 = now_ns();
	close(fd);
	per_write = (double)(t1 - t0) / ROUNDS;

	knob = open(MODEL_BENCH, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, knob) TH_LOG("open %s: %s", MODEL_BENCH, strerror(errno));
	len = snprintf(cmd, sizeof(cmd), "%d\n", ROUNDS);
	ASSERT_EQ(len, write(knob, cmd, len));
	close(knob);
	text = slurp(MODEL_BENCH);
	ASSERT_NE(NULL, text);
	p = strstr(text, "requests=");
	ASSERT_NE(NULL, p);
	requests = strtoull(p + 9, NULL, 10);
	p = strstr(text, "ns_per_request=");
	ASSERT_NE(NULL, p);
	direct = strtoull(p + 15, NULL, 10);
	free(text);
	ASSERT_EQ((unsigned long long)ROUNDS, requests);

	ksft_print_msg("bench: write() round trip %.0f ns/request (%d MRQ_PING)\n",
		       per_write, ROUNDS);
	ksft_print_msg("bench: direct model call %llu ns/request (%llu MRQ_PING)\n",
		       direct, requests);
	ksft_print_msg("bench: write()/direct ratio %.1f\n",
		       direct ? per_write / (double)direct : 0.0);
}

int main(int argc, char **argv)
{
	return bpmp_harness_main(argc, argv);
}
