/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Benchmark rows shared by the gzvm benchmarks (selftests/gzvm/bench.c) and
 * the KVM harness (selftests/kvm-bench/bench.c), so that both systems print the
 * same figures in the same form for scripts/bench-report.py.
 *
 * A row is one measurement taken `n` times, each time together with a
 * reference measured in the same repetition. It is printed as one line:
 *
 *   # bench-row: <key> <system> n=<n> med=<ns> min=<ns> max=<ns>
 *     ref=<name> ref_med=<ns> ratio=<median> rmin=<min> rmax=<max>
 *
 * (one line), where the ratios are value / reference per repetition.
 * Figures are printed, never asserted.
 */
#ifndef BENCH_ROW_H
#define BENCH_ROW_H

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_MAX_REPS	16

static inline double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Whether the long form was asked for (GV_BENCH=full, from `make bench`). */
static inline int bench_full(void)
{
	const char *e = getenv("GV_BENCH");

	return e && !strcmp(e, "full");
}

/* Repetitions: `quick` for `make check`, `full` for `make bench`. */
static inline int bench_reps(int quick, int full)
{
	int n = bench_full() ? full : quick;

	return n > BENCH_MAX_REPS ? BENCH_MAX_REPS : n;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts a[0..n) and returns its median. */
static inline double bench_median(double *a, int n)
{
	qsort(a, n, sizeof(*a), bench_cmp);
	return n % 2 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
}

#define BENCH_ROW_FMT "bench-row: %s %s n=%d med=%.0f min=%.0f max=%.0f ref=%s ref_med=%.0f ratio=%.3f rmin=%.3f rmax=%.3f\n"

/* Prints one row; val[] and ref[] are the n repetitions (reordered). */
static inline void bench_row(const char *key, const char *sys,
			     const char *ref_name, double *val, double *ref,
			     int n)
{
	double ratio[BENCH_MAX_REPS], med, ref_med, r_med;
	int i;

	if (n < 1 || n > BENCH_MAX_REPS)
		return;
	for (i = 0; i < n; i++)
		ratio[i] = ref[i] > 0 ? val[i] / ref[i] : 0;
	r_med = bench_median(ratio, n);
	med = bench_median(val, n);
	ref_med = bench_median(ref, n);
	ksft_print_msg(BENCH_ROW_FMT, key, sys, n, med, val[0], val[n - 1],
		       ref_name, ref_med, r_med, ratio[0], ratio[n - 1]);
}

#endif /* BENCH_ROW_H */
