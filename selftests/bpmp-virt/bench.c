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
#include "../gzvm/bench_row.h"

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

/* The model's own time per MRQ_PING, from its debugfs bench knob. */
static double direct_ns(struct __test_metadata *_metadata, int rounds)
{
	unsigned long long requests, ns;
	char cmd[32], *text, *p;
	int knob, len;

	knob = open(MODEL_BENCH, O_WRONLY | O_CLOEXEC);
	EXPECT_LE(0, knob);
	if (knob < 0)
		return 0;
	len = snprintf(cmd, sizeof(cmd), "%d\n", rounds);
	EXPECT_EQ(len, write(knob, cmd, len));
	close(knob);
	text = slurp(MODEL_BENCH);
	EXPECT_NE(NULL, text);
	if (!text)
		return 0;
	p = strstr(text, "requests=");
	requests = p ? strtoull(p + 9, NULL, 10) : 0;
	p = strstr(text, "ns_per_request=");
	ns = p ? strtoull(p + 15, NULL, 10) : 0;
	free(text);
	EXPECT_EQ((unsigned long long)rounds, requests);
	return ns;
}

/*
 * Rows for `make bench`: the write() round trip, and the proxy's own cost
 * (write() minus the direct model call), each against a null write() on
 * the same fd (one byte: refused by the driver's write at once).
 */
TEST(rows_write_proxy_vs_null_write)
{
	double wr[BENCH_MAX_REPS], proxy[BENCH_MAX_REPS];
	double ref[BENCH_MAX_REPS], ref2[BENCH_MAX_REPS], t0, d;
	int reps = bench_reps(3, 7), n = 2000, fd, r, i;
	__u32 ping = 1, reply = 0;
	char byte = 0;

	fd = open(DEV_DEFAULT, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", DEV_DEFAULT, strerror(errno));
	for (i = 0; i < 100; i++)
		ASSERT_EQ(48, bpmp_xfer(fd, MRQ_PING, &ping, 4, &reply, 4).rc);
	for (r = 0; r < reps; r++) {
		t0 = bench_now_ns();
		for (i = 0; i < n; i++)
			ASSERT_EQ(48, bpmp_xfer(fd, MRQ_PING, &ping, 4, &reply, 4).rc);
		wr[r] = (bench_now_ns() - t0) / n;
		t0 = bench_now_ns();
		for (i = 0; i < n; i++)
			ASSERT_EQ(-1, write(fd, &byte, 1));
		ref[r] = (bench_now_ns() - t0) / n;
		ref2[r] = ref[r];
		ASSERT_EQ(EINVAL, errno);
		d = direct_ns(_metadata, n);
		proxy[r] = wr[r] - d;
	}
	close(fd);
	bench_row("bpmp_write", "bpmp", "null_write", wr, ref, reps);
	bench_row("bpmp_proxy", "bpmp", "null_write", proxy, ref2, reps);
}

int main(int argc, char **argv)
{
	return bpmp_harness_main(argc, argv);
}
