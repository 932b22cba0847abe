/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

#ifndef PKC_SELFTEST_H
#define PKC_SELFTEST_H

#include "pkc.h"

/*
 * Feed crafted frames (good, duplicated, reordered, lost, corrupted in
 * header/payload/length, foreign, multi-segment) to the verifier and check
 * every classification.  Needs an initialised EAL.  Returns 0 when every
 * check passed.
 */
int pkc_selftest(const struct pkc_conf *conf);

#endif /* PKC_SELFTEST_H */
