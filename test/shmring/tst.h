/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Minimal test harness for the shmring tests: checks that count failures
 * and say where, one line per test case, and a watchdog so that a hang
 * fails the test instead of blocking the suite.
 */

#ifndef SHMRING_TST_H
#define SHMRING_TST_H

#include <dirent.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shmring_err.h"

static int tst_failures;

#define TST_FAIL(...) do {						\
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);		\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		tst_failures++;						\
	} while (0)

#define CHECK(cond) do {						\
		if (!(cond))						\
			TST_FAIL("check failed: %s", #cond);		\
	} while (0)

#define CHECK_EQ(a, b) do {						\
		unsigned long long _a = (unsigned long long)(a);	\
		unsigned long long _b = (unsigned long long)(b);	\
		if (_a != _b)						\
			TST_FAIL("%s == %llu, expected %s == %llu",	\
				 #a, _a, #b, _b);			\
	} while (0)

/* An shmring call must give exactly this SHMRING_E_* code. */
#define CHECK_RC(expr, code) do {					\
		int _rc = (expr);					\
		if (_rc != (code))					\
			TST_FAIL("%s gave %s, expected %s", #expr,	\
				 shmring_errname(_rc),			\
				 shmring_errname(code));		\
	} while (0)

#define CHECK_STR(hay, needle) do {					\
		if (strstr((hay), (needle)) == NULL)			\
			TST_FAIL("'%s' does not mention '%s'", (hay),	\
				 (needle));				\
	} while (0)

static inline void
tst_run(const char *name, void (*fn)(void))
{
	int before = tst_failures;

	fn();
	printf("%s - %s\n", tst_failures == before ? "ok" : "not ok", name);
	fflush(stdout);
}

static void
tst_watchdog_fired(int sig)
{
	static const char msg[] = "watchdog: test hung, failing it\n";

	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(99);
}

/* Fail (exit 99) if the process is still running after 'seconds'. */
static inline void
tst_watchdog(unsigned int seconds)
{
	signal(SIGALRM, tst_watchdog_fired);
	alarm(seconds);
}

static inline int
tst_done(void)
{
	if (tst_failures)
		printf("%d check(s) failed\n", tst_failures);
	return tst_failures ? 1 : 0;
}

static inline uint64_t
tst_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Open file descriptors of this process (to catch leaks). */
static inline int
tst_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

#endif /* SHMRING_TST_H */
