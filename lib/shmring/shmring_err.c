/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

#include "shmring_err.h"

static const char *const err_text[SHMRING_E_MAX] = {
	[SHMRING_OK] = "success",
#define SHMRING_ERR_TEXT(name, text) [SHMRING_E_##name] = text,
	SHMRING_ERRORS(SHMRING_ERR_TEXT)
#undef SHMRING_ERR_TEXT
};

static const char *const err_name[SHMRING_E_MAX] = {
	[SHMRING_OK] = "OK",
#define SHMRING_ERR_NAME(name, text) [SHMRING_E_##name] = #name,
	SHMRING_ERRORS(SHMRING_ERR_NAME)
#undef SHMRING_ERR_NAME
};

const char *
shmring_strerror(int err)
{
	if (err < 0 || err >= SHMRING_E_MAX)
		return "unknown error";
	return err_text[err];
}

const char *
shmring_errname(int err)
{
	if (err < 0 || err >= SHMRING_E_MAX)
		return "UNKNOWN";
	return err_name[err];
}
