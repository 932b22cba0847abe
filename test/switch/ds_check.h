/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * The one CHECK() of doms-switch's unit tests: count a failure, say where
 * and why, and go on, so that a run lists every broken rule at once.
 */

#ifndef DS_CHECK_H
#define DS_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		failures++;						\
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fprintf(stderr, "\n");					\
	}								\
} while (0)

#endif /* DS_CHECK_H */
