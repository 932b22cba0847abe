/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Internal: the one definition of WHY(), which every lib/shmring function
 * that explains a failure uses to fill its caller's (why, why_len).
 */

#ifndef SHMRING_WHY_H
#define SHMRING_WHY_H

#include <stdio.h>

#define WHY(...) do {							\
		if (why != NULL && why_len > 0)				\
			snprintf(why, why_len, __VA_ARGS__);		\
	} while (0)

#endif /* SHMRING_WHY_H */
