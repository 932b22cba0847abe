/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * What the three parts of the configuration code share (not an API):
 * ds_config_keys.c applies one "key = value" to a section,
 * ds_config_parse.c reads files and --set into sections,
 * ds_config_check.c cross-checks the result.
 */

#ifndef DS_CONFIG_INT_H
#define DS_CONFIG_INT_H

#include <stddef.h>

#include "ds_config.h"

enum ds_cfg_sect {
	SECT_NONE = 0,
	SECT_GLOBAL,
	SECT_EAL,
	SECT_TENANT,
	SECT_GUEST,
	SECT_UPLINK,
};

/* Where the value being applied came from, for messages. */
struct ds_cfg_origin {
	const char *name;	/* file name, or "--set" */
	int line;		/* 0 for the command line */
};

struct ds_cfg_state {
	struct ds_config *cfg;
	struct ds_cfg_origin org;
	enum ds_cfg_sect kind;
	void *obj;		/* the section being filled */
	char *err;
	size_t err_len;
};

/* "FILE:LINE: [section]: problem" into ps->err. */
void ds_cfg_err(struct ds_cfg_state *ps, const char *sect, const char *fmt,
		...) __attribute__((format(printf, 3, 4)));

#define BAD(ps, sect, ...) do { ds_cfg_err(ps, sect, __VA_ARGS__); \
	return -1; } while (0)

int ds_cfg_copy_str(char *dst, size_t len, const char *src);

/* One key of one section kind; 0 or -1 with the message in ps->err. */
int ds_cfg_set_global(struct ds_cfg_state *ps, const char *key,
		      const char *val);
int ds_cfg_set_eal(struct ds_cfg_state *ps, const char *key, const char *val);
int ds_cfg_set_tenant(struct ds_cfg_state *ps, const char *key,
		      const char *val);
int ds_cfg_set_guest(struct ds_cfg_state *ps, const char *key,
		     const char *val);
int ds_cfg_set_uplink(struct ds_cfg_state *ps, const char *key,
		      const char *val);

/* A guest before its keys; the [global] defaults it takes afterwards. */
void ds_cfg_guest_defaults(const struct ds_config *cfg,
			   struct ds_guest_cfg *g);
void ds_cfg_resolve_guest(const struct ds_config *cfg,
			  struct ds_guest_cfg *g);

#endif /* DS_CONFIG_INT_H */
