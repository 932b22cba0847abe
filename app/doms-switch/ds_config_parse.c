/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * The configuration file: INI-like sections of "key = value" lines.
 *
 *   # comment            ; comment
 *   [global]             global settings
 *   [eal]                args = EAL arguments
 *   [tenant NAME]        vlan =, max-macs =
 *   [guest NAME]         socket =, devargs =, tenant =, mac =, ...
 *   [uplink NAME]        devargs = | port =, tenants =, ...
 *
 * and "--set SECTION[:NAME].KEY=VALUE" overrides.  The parser keeps the
 * line of each section and of the keys that later cross-checks may
 * reject, so that every message names the line to fix.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds_config_int.h"

/* ---- sections --------------------------------------------------------- */

int
ds_config_tenant(const struct ds_config *cfg, const char *name)
{
	int i;

	for (i = 0; i < cfg->n_tenants; i++)
		if (!strcmp(cfg->tenants[i].name, name))
			return i;
	return -1;
}

int
ds_config_guest(const struct ds_config *cfg, const char *name)
{
	int i;

	for (i = 0; i < cfg->n_guests; i++)
		if (!strcmp(cfg->guests[i].name, name))
			return i;
	return -1;
}

static int
find_uplink(const struct ds_config *cfg, const char *name)
{
	int i;

	for (i = 0; i < cfg->n_uplinks; i++)
		if (!strcmp(cfg->uplinks[i].name, name))
			return i;
	return -1;
}

/*
 * Open section 'kind NAME'.  A section seen again (in the file or by
 * --set) continues the same object, so that overrides refine it.
 */
static int
open_section(struct ds_cfg_state *ps, enum ds_cfg_sect kind, const char *name,
	     const char *what)
{
	struct ds_config *cfg = ps->cfg;
	int i;

	ps->kind = kind;
	ps->obj = NULL;
	if (kind == SECT_GLOBAL || kind == SECT_EAL) {
		if (name[0] != '\0')
			BAD(ps, NULL, "[%s] takes no name", what);
		return 0;
	}
	if (!ds_name_ok(name))
		BAD(ps, NULL, "[%s %s]: a name is 1..%d characters of "
		    "A-Z a-z 0-9 _", what, name, DS_NAME_MAX - 1);
	switch (kind) {
	case SECT_TENANT:
		i = ds_config_tenant(cfg, name);
		if (i < 0) {
			if (cfg->n_tenants == DS_MAX_TENANTS)
				BAD(ps, NULL, "more than %d tenants",
				    DS_MAX_TENANTS);
			i = cfg->n_tenants++;
			memset(&cfg->tenants[i], 0, sizeof(cfg->tenants[i]));
			snprintf(cfg->tenants[i].name, DS_NAME_MAX, "%s", name);
			cfg->tenants[i].line = ps->org.line;
		}
		ps->obj = &cfg->tenants[i];
		break;
	case SECT_GUEST:
		i = ds_config_guest(cfg, name);
		if (i < 0) {
			if (cfg->n_guests == DS_MAX_GUESTS)
				BAD(ps, NULL, "more than %d guests",
				    DS_MAX_GUESTS);
			i = cfg->n_guests++;
			ds_cfg_guest_defaults(cfg, &cfg->guests[i]);
			snprintf(cfg->guests[i].name, DS_NAME_MAX, "%s", name);
			cfg->guests[i].line = ps->org.line;
		}
		ps->obj = &cfg->guests[i];
		break;
	case SECT_UPLINK:
		i = find_uplink(cfg, name);
		if (i < 0) {
			if (cfg->n_uplinks == DS_MAX_UPLINKS)
				BAD(ps, NULL, "more than %d uplinks",
				    DS_MAX_UPLINKS);
			i = cfg->n_uplinks++;
			memset(&cfg->uplinks[i], 0, sizeof(cfg->uplinks[i]));
			snprintf(cfg->uplinks[i].name, DS_NAME_MAX, "%s", name);
			cfg->uplinks[i].port_cfg.queues = 1;
			cfg->uplinks[i].all_tenants = true;
			cfg->uplinks[i].line = ps->org.line;
		}
		ps->obj = &cfg->uplinks[i];
		break;
	default:
		break;
	}
	return 0;
}

static int
sect_kind_of(const char *word, enum ds_cfg_sect *k)
{
	static const struct {
		const char *word;
		enum ds_cfg_sect kind;
	} kinds[] = {
		{ "global", SECT_GLOBAL },
		{ "eal", SECT_EAL },
		{ "tenant", SECT_TENANT },
		{ "guest", SECT_GUEST },
		{ "uplink", SECT_UPLINK },
	};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!strcmp(word, kinds[i].word)) {
			*k = kinds[i].kind;
			return 0;
		}
	}
	return -1;
}

static int
apply_kv(struct ds_cfg_state *ps, const char *key, const char *val)
{
	switch (ps->kind) {
	case SECT_GLOBAL:
		return ds_cfg_set_global(ps, key, val);
	case SECT_EAL:
		return ds_cfg_set_eal(ps, key, val);
	case SECT_TENANT:
		return ds_cfg_set_tenant(ps, key, val);
	case SECT_GUEST:
		return ds_cfg_set_guest(ps, key, val);
	case SECT_UPLINK:
		return ds_cfg_set_uplink(ps, key, val);
	default:
		BAD(ps, NULL, "'%s' is outside any section; start with "
		    "[global]", key);
	}
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Drop a trailing " # comment" or " ; comment" (outside quotes). */
static void
strip_comment(char *s)
{
	bool quoted = false;
	char *p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && (*p == '#' || *p == ';') &&
			 (p == s || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			return;
		}
	}
}

static int
parse_line(struct ds_cfg_state *ps, char *line)
{
	char *s, *eq, *key, *val;

	s = trim(line);
	if (*s == '\0' || *s == '#' || *s == ';')
		return 0;
	strip_comment(s);
	s = trim(s);
	if (*s == '[') {
		char *close = strchr(s, ']');
		char *word, *name;
		enum ds_cfg_sect k;

		if (close == NULL || trim(close + 1)[0] != '\0')
			BAD(ps, NULL, "a section header is '[kind]' or "
			    "'[kind NAME]'");
		*close = '\0';
		word = trim(s + 1);
		name = word;
		while (*name != '\0' && !isspace((unsigned char)*name))
			name++;
		if (*name != '\0')
			*name++ = '\0';
		name = trim(name);
		if (sect_kind_of(word, &k) != 0)
			BAD(ps, NULL, "unknown section [%s] (global, eal, "
			    "tenant, guest, uplink)", word);
		if ((k == SECT_TENANT || k == SECT_GUEST ||
		     k == SECT_UPLINK) && name[0] == '\0')
			BAD(ps, NULL, "[%s] needs a name: [%s NAME]", word,
			    word);
		return open_section(ps, k, name, word);
	}
	eq = strchr(s, '=');
	if (eq == NULL)
		BAD(ps, NULL, "expected 'key = value', got '%s'", s);
	*eq = '\0';
	key = trim(s);
	val = trim(eq + 1);
	if (*key == '\0')
		BAD(ps, NULL, "missing key before '='");
	if (val[0] == '"') {
		size_t n = strlen(val);

		if (n < 2 || val[n - 1] != '"')
			BAD(ps, NULL, "unterminated quote in value of '%s'",
			    key);
		val[n - 1] = '\0';
		val++;
	}
	return apply_kv(ps, key, val);
}

int
ds_config_parse_string(struct ds_config *cfg, const char *text,
		       const char *origin, char *err, size_t err_len)
{
	struct ds_cfg_state ps = {
		.cfg = cfg, .org = { origin, 0 }, .err = err,
		.err_len = err_len,
	};
	const char *p = text;
	char line[2048];

	snprintf(cfg->file, sizeof(cfg->file), "%s", origin);
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		ps.org.line++;
		if (n >= sizeof(line)) {
			ds_cfg_err(&ps, NULL, "line longer than %zu bytes",
			     sizeof(line) - 1);
			return -1;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		if (memchr(line, '\0', n) != NULL) {
			ds_cfg_err(&ps, NULL, "NUL byte in line");
			return -1;
		}
		if (parse_line(&ps, line) != 0)
			return -1;
		p += n;
		if (*p == '\n')
			p++;
	}
	return 0;
}

int
ds_config_load(struct ds_config *cfg, const char *path, char *err,
	       size_t err_len)
{
	FILE *f = fopen(path, "r");
	char *text;
	long n;
	int rc;

	if (f == NULL) {
		snprintf(err, err_len, "%s: cannot open: %s", path,
			 strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    n > (1 << 20) || fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, err_len, "%s: not a regular file under 1 MiB",
			 path);
		fclose(f);
		return -1;
	}
	text = malloc((size_t)n + 1);
	if (text == NULL || fread(text, 1, (size_t)n, f) != (size_t)n) {
		snprintf(err, err_len, "%s: cannot read", path);
		free(text);
		fclose(f);
		return -1;
	}
	fclose(f);
	text[n] = '\0';
	if (strlen(text) != (size_t)n) {
		snprintf(err, err_len, "%s: contains a NUL byte", path);
		free(text);
		return -1;
	}
	rc = ds_config_parse_string(cfg, text, path, err, err_len);
	free(text);
	return rc;
}

int
ds_config_set(struct ds_config *cfg, const char *assignment, char *err,
	      size_t err_len)
{
	struct ds_cfg_state ps = {
		.cfg = cfg, .org = { "--set", 0 }, .err = err,
		.err_len = err_len,
	};
	char buf[DS_DEVARGS_MAX * 2];
	char *dot, *eq, *colon, *sect, *name = (char *)"";
	enum ds_cfg_sect k;

	if (ds_cfg_copy_str(buf, sizeof(buf), assignment) != 0)
		BAD(&ps, NULL, "'%s' is too long", assignment);
	eq = strchr(buf, '=');
	if (eq == NULL)
		BAD(&ps, NULL, "'%s' is not SECTION[:NAME].KEY=VALUE",
		    assignment);
	*eq = '\0';
	dot = strrchr(buf, '.');
	if (dot == NULL)
		BAD(&ps, NULL, "'%s' is not SECTION[:NAME].KEY=VALUE",
		    assignment);
	*dot = '\0';
	sect = buf;
	colon = strchr(sect, ':');
	if (colon != NULL) {
		*colon = '\0';
		name = colon + 1;
	}
	if (sect_kind_of(sect, &k) != 0)
		BAD(&ps, NULL, "unknown section '%s' in '%s'", sect,
		    assignment);
	if ((k == SECT_TENANT || k == SECT_GUEST || k == SECT_UPLINK) &&
	    name[0] == '\0')
		BAD(&ps, NULL, "'%s' needs a name: %s:NAME.KEY=VALUE", sect,
		    sect);
	if (open_section(&ps, k, name, sect) != 0)
		return -1;
	return apply_kv(&ps, trim(dot + 1), trim(eq + 1));
}
