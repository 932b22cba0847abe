/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Helpers shared by the libFuzzer targets.
 *
 * FZ_CHECK() aborts: libFuzzer then saves the input as crash-* and the
 * message says which property broke.  A harness never returns early on a
 * property violation, because a violation is exactly what we look for.
 *
 * struct fz_in hands out the input a few bytes at a time; past the end it
 * gives zeroes, so a short input still drives a whole (short) scenario.
 */

#ifndef XENSHM_FUZZ_H
#define XENSHM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FZ_CHECK(cond, ...) do {					\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: property failed: %s: ",	\
				__FILE__, __LINE__, #cond);		\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			abort();					\
		}							\
	} while (0)

struct fz_in {
	const uint8_t *p;
	size_t left;
};

static inline void
fz_bytes(struct fz_in *in, void *dst, size_t n)
{
	size_t k = n < in->left ? n : in->left;

	memcpy(dst, in->p, k);
	memset((uint8_t *)dst + k, 0, n - k);
	in->p += k;
	in->left -= k;
}

static inline uint8_t
fz_u8(struct fz_in *in)
{
	uint8_t v;

	fz_bytes(in, &v, sizeof(v));
	return v;
}

static inline uint16_t
fz_u16(struct fz_in *in)
{
	uint16_t v;

	fz_bytes(in, &v, sizeof(v));
	return v;
}

static inline uint32_t
fz_u32(struct fz_in *in)
{
	uint32_t v;

	fz_bytes(in, &v, sizeof(v));
	return v;
}

static inline uint64_t
fz_u64(struct fz_in *in)
{
	uint64_t v;

	fz_bytes(in, &v, sizeof(v));
	return v;
}

/* A 'why' sentence must be a C string of printable text (it goes to logs
 * and, in REJECT, to the peer). */
static inline int
fz_printable(const char *s, size_t cap)
{
	const char *nul = memchr(s, '\0', cap);
	const char *c;

	if (nul == NULL)
		return 0;
	for (c = s; c < nul; c++)
		if (*c < 0x20 || *c > 0x7e)
			return 0;
	return 1;
}

/* FZ_VERBOSE=1 in the environment: say why inputs were refused (to see
 * what a seed reaches; never while fuzzing, it is slow). */
static inline int
fz_verbose(void)
{
	static int v = -1;

	if (v < 0)
		v = getenv("FZ_VERBOSE") != NULL;
	return v;
}

#define FZ_SAY(...) do {						\
		if (fz_verbose())					\
			fprintf(stderr, __VA_ARGS__);			\
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* XENSHM_FUZZ_H */
