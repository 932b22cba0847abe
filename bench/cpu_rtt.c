/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * cpu_rtt CPU_A CPU_B [ITERS]: round trip of one cache line between two
 * CPUs, in ns.  On this VM the figure flips between ~100 and ~500 ns as
 * the host moves the vCPUs, and every cross-core ring follows it, so the
 * PMD benchmark prints it next to each run.  Prints one number.
 */

#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static alignas(64) atomic_uint ball;
static alignas(64) atomic_uint ready;
static unsigned int iters = 20000;

static int
pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *
pong(void *arg)
{
	unsigned int i;

	if (pin(*(int *)arg) != 0)
		fprintf(stderr, "cpu_rtt: cannot pin to CPU %d\n", *(int *)arg);
	/* release pairs with main's acquire: timing starts once we run */
	atomic_store_explicit(&ready, 1, memory_order_release);
	for (i = 0; i < iters; i++) {
		/* acquire pairs with ping's release of the odd value */
		while (atomic_load_explicit(&ball, memory_order_acquire) !=
		       2 * i + 1)
			;
		/* release pairs with ping's acquire of the even value */
		atomic_store_explicit(&ball, 2 * i + 2, memory_order_release);
	}
	return NULL;
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	int cpu_a, cpu_b;
	unsigned int i;
	pthread_t t;
	double t0, t1;

	if (argc < 3) {
		fprintf(stderr, "usage: %s CPU_A CPU_B [ITERS]\n", argv[0]);
		return 2;
	}
	cpu_a = atoi(argv[1]);
	cpu_b = atoi(argv[2]);
	if (argc > 3)
		iters = (unsigned int)strtoul(argv[3], NULL, 0);
	if (iters == 0 || pin(cpu_a) != 0) {
		fprintf(stderr, "cpu_rtt: bad iteration count or CPU %d\n",
			cpu_a);
		return 2;
	}
	if (pthread_create(&t, NULL, pong, &cpu_b) != 0)
		return 1;
	while (atomic_load_explicit(&ready, memory_order_acquire) == 0)
		;
	t0 = now_ns();
	for (i = 0; i < iters; i++) {
		atomic_store_explicit(&ball, 2 * i + 1, memory_order_release);
		while (atomic_load_explicit(&ball, memory_order_acquire) !=
		       2 * i + 2)
			;
	}
	t1 = now_ns();
	pthread_join(t, NULL);
	printf("%.0f\n", (t1 - t0) / iters);
	return 0;
}
