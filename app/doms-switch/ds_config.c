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
 * The parser keeps the line of each section and of the keys that later
 * cross-checks may reject, so that every message names the line to fix.
 */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds_config.h"

enum sect_kind {
	SECT_NONE = 0,
	SECT_GLOBAL,
	SECT_EAL,
	SECT_TENANT,
	SECT_GUEST,
	SECT_UPLINK,
};

/* Where the value being applied came from, for messages. */
struct origin {
	const char *name;	/* file name, or "--set" */
	int line;		/* 0 for the command line */
};

struct parse_state {
	struct ds_config *cfg;
	struct origin org;
	enum sect_kind kind;
	void *obj;		/* the section being filled */
	char *err;
	size_t err_len;
};

static void __attribute__((format(printf, 3, 4)))
perr(struct parse_state *ps, const char *sect, const char *fmt, ...)
{
	char msg[DS_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->org.line > 0)
		snprintf(ps->err, ps->err_len, "%s:%d: %s%s%s", ps->org.name,
			 ps->org.line, sect ? sect : "", sect ? ": " : "", msg);
	else
		snprintf(ps->err, ps->err_len, "%s: %s%s%s", ps->org.name,
			 sect ? sect : "", sect ? ": " : "", msg);
}

/* Message for a problem found after parsing, at a remembered line. */
static void __attribute__((format(printf, 5, 6)))
verr(const struct ds_config *cfg, int line, char *err, size_t err_len,
     const char *fmt, ...)
{
	char msg[DS_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(err, err_len, "%s:%d: %s", cfg->file, line, msg);
	else
		snprintf(err, err_len, "%s: %s",
			 line == 0 ? "--set" : cfg->file, msg);
}

void
ds_config_init(struct ds_config *cfg)
{
	struct ds_global_cfg *g = &cfg->global;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->file, sizeof(cfg->file), "(no file)");
	snprintf(g->guest_dir, sizeof(g->guest_dir), "/run/xenshm/guests");
	g->aging_s = 300;
	g->fdb_size = 65536;
	g->mbufs = 32768;
	g->burst = 32;
	g->rx_desc = 1024;
	g->tx_desc = 1024;
	g->mtu = 1500;
	g->detach_grace_ms = 2000;
	g->scan_interval_ms = 1000;
	g->peer_uid = DS_UID_ANY;
	g->guest_max_macs = 16;
	g->uplink_max_macs = 4096;
	g->guest_queues = 1;
	snprintf(g->guest_devargs, sizeof(g->guest_devargs),
		 "net_xenshm_{name},path={socket}{,peer-uid}");
}

/* ---- value parsers ---------------------------------------------------- */

int
ds_parse_u64(const char *s, uint64_t *v, bool si_suffix)
{
	char *end;
	unsigned long long x;
	uint64_t mul = 1;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (si_suffix && *end != '\0') {
		switch (*end) {
		case 'k': case 'K':
			mul = 1000ull;
			break;
		case 'm': case 'M':
			mul = 1000000ull;
			break;
		case 'g': case 'G':
			mul = 1000000000ull;
			break;
		default:
			return -1;
		}
		end++;
	}
	if (*end != '\0')
		return -1;
	if (x > UINT64_MAX / mul)
		return -1;
	*v = x * mul;
	return 0;
}

static int
parse_u32_range(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint64_t v;

	if (ds_parse_u64(s, &v, false) != 0 || v < lo || v > hi)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int
ds_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (strlen(s) != 17)
		return -1;
	for (i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' && s[i] != '-' :
				 !isxdigit((unsigned char)s[i]))
			return -1;
	}
	if (sscanf(s, "%2x%*c%2x%*c%2x%*c%2x%*c%2x%*c%2x%c", &b[0], &b[1],
		   &b[2], &b[3], &b[4], &b[5], &tail) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int
parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "on") ||
	    !strcmp(s, "1")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "off") ||
	    !strcmp(s, "0")) {
		*out = false;
		return 0;
	}
	return -1;
}

bool
ds_name_ok(const char *s)
{
	size_t n = strlen(s);
	size_t i;

	if (n == 0 || n >= DS_NAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		/* names are telemetry dict keys: A-Z a-z 0-9 _ only */
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	}
	return true;
}

const char *
ds_spoof_mode_str(enum ds_spoof_mode m)
{
	switch (m) {
	case DS_SPOOF_STRICT:
		return "strict";
	case DS_SPOOF_LEARN_FIRST:
		return "learn-first";
	case DS_SPOOF_OFF:
		return "off";
	}
	return "?";
}

static int
copy_str(char *dst, size_t len, const char *src)
{
	if (strlen(src) >= len)
		return -1;
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

/* "1,2" or "1 2" -> list of lcore ids. */
static int
parse_lcores(const char *s, struct ds_port_cfg *pc)
{
	char buf[256];
	char *tok, *save = NULL;
	int n = 0;

	if (!strcmp(s, "auto")) {
		pc->n_lcores = 0;
		return 0;
	}
	if (copy_str(buf, sizeof(buf), s) != 0)
		return -1;
	for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
	     tok = strtok_r(NULL, ", \t", &save)) {
		uint32_t v;

		if (n == DS_MAX_QUEUES ||
		    parse_u32_range(tok, 0, 1023, &v) != 0)
			return -1;
		pc->lcores[n++] = (int)v;
	}
	if (n == 0)
		return -1;
	pc->n_lcores = n;
	return 0;
}

/* ---- per-section keys ------------------------------------------------- */

#define BAD(ps, sect, ...) do { perr(ps, sect, __VA_ARGS__); return -1; } \
	while (0)

static int
set_port_key(struct parse_state *ps, const char *sect, struct ds_port_cfg *pc,
	     const char *key, const char *val, int *lcores_line, bool *handled)
{
	uint32_t v;

	*handled = true;
	if (!strcmp(key, "queues")) {
		if (parse_u32_range(val, 1, DS_MAX_QUEUES, &v) != 0)
			BAD(ps, sect, "queues must be 1..%d, not '%s'",
			    DS_MAX_QUEUES, val);
		pc->queues = (uint16_t)v;
	} else if (!strcmp(key, "lcores") || !strcmp(key, "lcore")) {
		if (parse_lcores(val, pc) != 0)
			BAD(ps, sect, "%s must be 'auto' or a list of up to "
			    "%d lcore ids, not '%s'", key, DS_MAX_QUEUES, val);
		*lcores_line = ps->org.line;
	} else if (!strcmp(key, "max-macs")) {
		if (parse_u32_range(val, 1, 1u << 24, &v) != 0)
			BAD(ps, sect, "max-macs must be 1..16777216, not '%s'",
			    val);
		pc->max_macs = v;
	} else {
		*handled = false;
	}
	return 0;
}

static int
set_global(struct parse_state *ps, const char *key, const char *val)
{
	struct ds_global_cfg *g = &ps->cfg->global;
	const char *s = "[global]";
	uint32_t v;

	if (!strcmp(key, "guest-dir")) {
		if (val[0] != '\0' && val[0] != '/')
			BAD(ps, s, "guest-dir must be an absolute path");
		if (copy_str(g->guest_dir, sizeof(g->guest_dir), val) != 0)
			BAD(ps, s, "guest-dir is too long");
	} else if (!strcmp(key, "default-tenant")) {
		if (val[0] != '\0' && !ds_name_ok(val))
			BAD(ps, s, "default-tenant '%s' is not a tenant name",
			    val);
		snprintf(g->default_tenant, sizeof(g->default_tenant), "%s",
			 val);
		g->default_tenant_line = ps->org.line;
	} else if (!strcmp(key, "aging-time")) {
		if (parse_u32_range(val, 1, 86400 * 7, &v) != 0)
			BAD(ps, s, "aging-time must be 1..604800 seconds, "
			    "not '%s'", val);
		g->aging_s = v;
	} else if (!strcmp(key, "fdb-size")) {
		if (parse_u32_range(val, 64, 1u << 24, &v) != 0)
			BAD(ps, s, "fdb-size must be 64..16777216, not '%s'",
			    val);
		g->fdb_size = v;
	} else if (!strcmp(key, "mbufs")) {
		if (parse_u32_range(val, 1024, 1u << 24, &v) != 0)
			BAD(ps, s, "mbufs must be 1024..16777216, not '%s'",
			    val);
		g->mbufs = v;
	} else if (!strcmp(key, "burst")) {
		if (parse_u32_range(val, 1, 64, &v) != 0)
			BAD(ps, s, "burst must be 1..64, not '%s'", val);
		g->burst = (uint16_t)v;
	} else if (!strcmp(key, "rx-desc") || !strcmp(key, "tx-desc")) {
		if (parse_u32_range(val, 64, 32768, &v) != 0 ||
		    (v & (v - 1)) != 0)
			BAD(ps, s, "%s must be a power of two 64..32768, "
			    "not '%s'", key, val);
		if (key[0] == 'r')
			g->rx_desc = (uint16_t)v;
		else
			g->tx_desc = (uint16_t)v;
	} else if (!strcmp(key, "mtu")) {
		if (parse_u32_range(val, 68, 9600, &v) != 0)
			BAD(ps, s, "mtu must be 68..9600, not '%s'", val);
		g->mtu = (uint16_t)v;
	} else if (!strcmp(key, "detach-grace-ms")) {
		if (parse_u32_range(val, 0, 3600000, &v) != 0)
			BAD(ps, s, "detach-grace-ms must be 0..3600000, "
			    "not '%s'", val);
		g->detach_grace_ms = v;
	} else if (!strcmp(key, "scan-interval-ms")) {
		if (parse_u32_range(val, 10, 60000, &v) != 0)
			BAD(ps, s, "scan-interval-ms must be 10..60000, "
			    "not '%s'", val);
		g->scan_interval_ms = v;
	} else if (!strcmp(key, "peer-uid")) {
		if (!strcmp(val, "any"))
			g->peer_uid = DS_UID_ANY;
		else if (parse_u32_range(val, 0, UINT32_MAX - 1, &v) != 0)
			BAD(ps, s, "peer-uid must be a uid or 'any', not '%s'",
			    val);
		else
			g->peer_uid = v;
	} else if (!strcmp(key, "guest-max-macs") ||
		   !strcmp(key, "uplink-max-macs")) {
		if (parse_u32_range(val, 1, 1u << 24, &v) != 0)
			BAD(ps, s, "%s must be 1..16777216, not '%s'", key,
			    val);
		if (key[0] == 'g')
			g->guest_max_macs = v;
		else
			g->uplink_max_macs = v;
	} else if (!strcmp(key, "guest-queues")) {
		if (parse_u32_range(val, 1, DS_MAX_QUEUES, &v) != 0)
			BAD(ps, s, "guest-queues must be 1..%d, not '%s'",
			    DS_MAX_QUEUES, val);
		g->guest_queues = (uint16_t)v;
	} else if (!strcmp(key, "pmd")) {
		if (copy_str(g->pmd, sizeof(g->pmd), val) != 0)
			BAD(ps, s, "pmd path is too long");
	} else if (!strcmp(key, "guest-devargs")) {
		if (strstr(val, "{name}") == NULL)
			BAD(ps, s, "guest-devargs must contain {name}");
		if (copy_str(g->guest_devargs, sizeof(g->guest_devargs),
			     val) != 0)
			BAD(ps, s, "guest-devargs is too long");
	} else {
		BAD(ps, s, "unknown key '%s'", key);
	}
	return 0;
}

static int
set_eal(struct parse_state *ps, const char *key, const char *val)
{
	if (strcmp(key, "args") != 0)
		BAD(ps, "[eal]", "unknown key '%s' (only 'args')", key);
	if (copy_str(ps->cfg->eal_args, sizeof(ps->cfg->eal_args), val) != 0)
		BAD(ps, "[eal]", "args is too long");
	return 0;
}

static int
set_tenant(struct parse_state *ps, const char *key, const char *val)
{
	struct ds_tenant_cfg *t = ps->obj;
	char s[DS_NAME_MAX + 16];
	uint32_t v;

	snprintf(s, sizeof(s), "[tenant %s]", t->name);
	if (!strcmp(key, "vlan")) {
		if (parse_u32_range(val, 1, 4094, &v) != 0)
			BAD(ps, s, "vlan must be 1..4094, not '%s'", val);
		t->vlan = (uint16_t)v;
	} else if (!strcmp(key, "max-macs")) {
		if (parse_u32_range(val, 1, 1u << 24, &v) != 0)
			BAD(ps, s, "max-macs must be 1..16777216, not '%s'",
			    val);
		t->max_macs = v;
	} else {
		BAD(ps, s, "unknown key '%s'", key);
	}
	return 0;
}

static int
set_guest(struct parse_state *ps, const char *key, const char *val)
{
	struct ds_guest_cfg *g = ps->obj;
	char s[DS_NAME_MAX + 16];
	bool handled, b;
	uint64_t v;

	snprintf(s, sizeof(s), "[guest %s]", g->name);
	if (set_port_key(ps, s, &g->port, key, val, &g->lcores_line,
			 &handled) != 0)
		return -1;
	if (handled)
		return 0;
	if (!strcmp(key, "socket")) {
		if (val[0] != '/')
			BAD(ps, s, "socket must be an absolute path");
		if (copy_str(g->socket, sizeof(g->socket), val) != 0)
			BAD(ps, s, "socket path is longer than %d bytes",
			    DS_PATH_MAX - 1);
	} else if (!strcmp(key, "devargs")) {
		if (val[0] == '\0' ||
		    copy_str(g->devargs, sizeof(g->devargs), val) != 0)
			BAD(ps, s, "devargs must be 1..%d bytes",
			    DS_DEVARGS_MAX - 1);
	} else if (!strcmp(key, "xen-domid")) {
		if (ds_parse_u64(val, &v, false) != 0 || v > 0x7fef)
			BAD(ps, s, "xen-domid must be a domain id (0..32751), "
			    "not '%s'", val);
		g->xen_domid = (uint32_t)v;
		g->xen = true;
	} else if (!strcmp(key, "xen-devid")) {
		if (ds_parse_u64(val, &v, false) != 0 || v > 255)
			BAD(ps, s, "xen-devid must be a device number (0..255), "
			    "not '%s'", val);
		g->xen_devid = (uint32_t)v;
		g->xen = true;
	} else if (!strcmp(key, "tenant")) {
		if (!ds_name_ok(val))
			BAD(ps, s, "tenant '%s' is not a tenant name", val);
		snprintf(g->tenant_name, sizeof(g->tenant_name), "%s", val);
		g->tenant_line = ps->org.line;
	} else if (!strcmp(key, "mac")) {
		if (!strcmp(val, "learn")) {
			g->mac_set = false;
			if (g->spoof == DS_SPOOF_STRICT)
				g->spoof = DS_SPOOF_LEARN_FIRST;
		} else if (ds_parse_mac(val, g->mac) != 0) {
			BAD(ps, s, "mac must be xx:xx:xx:xx:xx:xx or 'learn', "
			    "not '%s'", val);
		} else if (g->mac[0] & 1) {
			BAD(ps, s, "mac %s is a multicast address", val);
		} else if (!(g->mac[0] | g->mac[1] | g->mac[2] | g->mac[3] |
			     g->mac[4] | g->mac[5])) {
			BAD(ps, s, "mac must not be all zeroes");
		} else {
			g->mac_set = true;
			if (g->spoof == DS_SPOOF_LEARN_FIRST)
				g->spoof = DS_SPOOF_STRICT;
		}
		g->mac_line = ps->org.line;
	} else if (!strcmp(key, "anti-spoof")) {
		if (parse_bool(val, &b) != 0)
			BAD(ps, s, "anti-spoof must be yes or no, not '%s'",
			    val);
		if (!b)
			g->spoof = DS_SPOOF_OFF;
		else
			g->spoof = g->mac_set ? DS_SPOOF_STRICT :
				   DS_SPOOF_LEARN_FIRST;
	} else if (!strcmp(key, "allow-vlan")) {
		if (parse_bool(val, &g->allow_vlan) != 0)
			BAD(ps, s, "allow-vlan must be yes or no, not '%s'",
			    val);
	} else if (!strcmp(key, "rate-pps")) {
		if (ds_parse_u64(val, &v, true) != 0 || v > 1000000000ull)
			BAD(ps, s, "rate-pps must be 0 (unlimited) .. 1G "
			    "packets/s, not '%s'", val);
		g->rate_pps = v;
	} else if (!strcmp(key, "rate-bps")) {
		if (ds_parse_u64(val, &v, true) != 0 ||
		    v > 1000000000000ull)
			BAD(ps, s, "rate-bps must be 0 (unlimited) .. 1000G "
			    "bits/s, not '%s'", val);
		g->rate_bps = v;
	} else if (!strcmp(key, "rate-burst-ms")) {
		if (ds_parse_u64(val, &v, false) != 0 || v < 1 || v > 10000)
			BAD(ps, s, "rate-burst-ms must be 1..10000, not '%s'",
			    val);
		g->rate_burst_ms = (uint32_t)v;
	} else if (!strcmp(key, "peer-uid")) {
		if (!strcmp(val, "any"))
			g->peer_uid = DS_UID_ANY;
		else if (ds_parse_u64(val, &v, false) != 0 ||
			 v >= UINT32_MAX)
			BAD(ps, s, "peer-uid must be a uid or 'any', not '%s'",
			    val);
		else
			g->peer_uid = (uint32_t)v;
		g->peer_uid_set = true;
	} else {
		BAD(ps, s, "unknown key '%s'", key);
	}
	return 0;
}

static int
set_uplink(struct parse_state *ps, const char *key, const char *val)
{
	struct ds_uplink_cfg *u = ps->obj;
	char s[DS_NAME_MAX + 16];
	bool handled;

	snprintf(s, sizeof(s), "[uplink %s]", u->name);
	if (set_port_key(ps, s, &u->port_cfg, key, val, &u->lcores_line,
			 &handled) != 0)
		return -1;
	if (handled)
		return 0;
	if (!strcmp(key, "devargs") || !strcmp(key, "port")) {
		char *dst = key[0] == 'd' ? u->devargs : u->port;

		if (val[0] == '\0' || copy_str(dst, DS_DEVARGS_MAX, val) != 0)
			BAD(ps, s, "%s must be 1..%d bytes", key,
			    DS_DEVARGS_MAX - 1);
	} else if (!strcmp(key, "tenants")) {
		if (copy_str(u->tenants_str, sizeof(u->tenants_str), val) != 0)
			BAD(ps, s, "tenants list is too long");
		u->tenants_line = ps->org.line;
	} else {
		BAD(ps, s, "unknown key '%s'", key);
	}
	return 0;
}

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

static void
guest_defaults(const struct ds_config *cfg, struct ds_guest_cfg *g)
{
	memset(g, 0, sizeof(*g));
	g->tenant = -1;
	g->spoof = DS_SPOOF_LEARN_FIRST;
	g->rate_burst_ms = 20;
	/* 0 / peer_uid_set: taken from [global] by resolve_guest(), so
	 * that [global] may come after the guests. */
	(void)cfg;
}

static void
resolve_guest(const struct ds_config *cfg, struct ds_guest_cfg *g)
{
	if (!g->peer_uid_set)
		g->peer_uid = cfg->global.peer_uid;
	if (g->port.queues == 0)
		g->port.queues = cfg->global.guest_queues;
	if (g->port.max_macs == 0)
		g->port.max_macs = cfg->global.guest_max_macs;
}

/*
 * Open section 'kind NAME'.  A section seen again (in the file or by
 * --set) continues the same object, so that overrides refine it.
 */
static int
open_section(struct parse_state *ps, enum sect_kind kind, const char *name,
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
			guest_defaults(cfg, &cfg->guests[i]);
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
sect_kind_of(const char *word, enum sect_kind *k)
{
	static const struct {
		const char *word;
		enum sect_kind kind;
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
apply_kv(struct parse_state *ps, const char *key, const char *val)
{
	switch (ps->kind) {
	case SECT_GLOBAL:
		return set_global(ps, key, val);
	case SECT_EAL:
		return set_eal(ps, key, val);
	case SECT_TENANT:
		return set_tenant(ps, key, val);
	case SECT_GUEST:
		return set_guest(ps, key, val);
	case SECT_UPLINK:
		return set_uplink(ps, key, val);
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
parse_line(struct parse_state *ps, char *line)
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
		enum sect_kind k;

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
	struct parse_state ps = {
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
			perr(&ps, NULL, "line longer than %zu bytes",
			     sizeof(line) - 1);
			return -1;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		if (memchr(line, '\0', n) != NULL) {
			perr(&ps, NULL, "NUL byte in line");
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
	struct parse_state ps = {
		.cfg = cfg, .org = { "--set", 0 }, .err = err,
		.err_len = err_len,
	};
	char buf[DS_DEVARGS_MAX * 2];
	char *dot, *eq, *colon, *sect, *name = (char *)"";
	enum sect_kind k;

	if (copy_str(buf, sizeof(buf), assignment) != 0)
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

/* ---- validation ------------------------------------------------------- */

static int
resolve_uplink_tenants(struct ds_config *cfg, struct ds_uplink_cfg *u,
		       char *err, size_t err_len)
{
	char buf[DS_DEVARGS_MAX];
	char *tok, *save = NULL;
	int line = u->tenants_line ? u->tenants_line : u->line;
	int i;

	u->n_tenants = 0;
	u->all_tenants = u->tenants_str[0] == '\0' ||
			 !strcmp(u->tenants_str, "all");
	if (u->all_tenants) {
		for (i = 0; i < cfg->n_tenants; i++)
			if (cfg->tenants[i].vlan != DS_VLAN_NONE)
				u->tenants[u->n_tenants++] = i;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", u->tenants_str);
	for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
	     tok = strtok_r(NULL, ", \t", &save)) {
		int t = ds_config_tenant(cfg, tok);

		if (t < 0) {
			verr(cfg, line, err, err_len, "[uplink %s]: unknown "
			     "tenant '%s'", u->name, tok);
			return -1;
		}
		if (cfg->tenants[t].vlan == DS_VLAN_NONE) {
			verr(cfg, line, err, err_len, "[uplink %s]: tenant "
			     "'%s' has no vlan, so it cannot use an uplink",
			     u->name, tok);
			return -1;
		}
		for (i = 0; i < u->n_tenants; i++) {
			if (u->tenants[i] == t) {
				verr(cfg, line, err, err_len, "[uplink %s]: "
				     "tenant '%s' listed twice", u->name, tok);
				return -1;
			}
		}
		u->tenants[u->n_tenants++] = t;
	}
	return 0;
}

static int
validate_guest(struct ds_config *cfg, int gi, char *err, size_t err_len)
{
	struct ds_guest_cfg *g = &cfg->guests[gi];
	int j;

	resolve_guest(cfg, g);
	if (g->tenant_name[0] == '\0') {
		verr(cfg, g->line, err, err_len, "[guest %s]: no tenant = "
		     "(every guest belongs to exactly one tenant)", g->name);
		return -1;
	}
	g->tenant = ds_config_tenant(cfg, g->tenant_name);
	if (g->tenant < 0) {
		verr(cfg, g->tenant_line, err, err_len, "[guest %s]: unknown "
		     "tenant '%s' (no [tenant %s] section)", g->name,
		     g->tenant_name, g->tenant_name);
		return -1;
	}
	if (g->xen && (g->socket[0] != '\0' || g->devargs[0] != '\0')) {
		verr(cfg, g->line, err, err_len, "[guest %s]: xen-domid/"
		     "xen-devid (Xen transport) and socket/devargs exclude "
		     "each other", g->name);
		return -1;
	}
	if (!g->xen && g->socket[0] == '\0' && g->devargs[0] == '\0') {
		if (cfg->global.guest_dir[0] == '\0') {
			verr(cfg, g->line, err, err_len, "[guest %s]: no "
			     "socket = and no [global] guest-dir", g->name);
			return -1;
		}
		char path[DS_PATH_MAX];

		if (snprintf(path, sizeof(path), "%s/%s.sock",
			     cfg->global.guest_dir, g->name) >=
		    (int)sizeof(path)) {
			verr(cfg, g->line, err, err_len, "[guest %s]: "
			     "guest-dir/NAME.sock is longer than %d bytes",
			     g->name, DS_PATH_MAX - 1);
			return -1;
		}
		memcpy(g->socket, path, sizeof(path));
	}
	if (g->spoof == DS_SPOOF_STRICT && !g->mac_set)
		g->spoof = DS_SPOOF_LEARN_FIRST;
	if (g->port.n_lcores > g->port.queues) {
		verr(cfg, g->lcores_line, err, err_len, "[guest %s]: %d "
		     "lcores for %u queues", g->name, g->port.n_lcores,
		     g->port.queues);
		return -1;
	}
	for (j = 0; j < gi; j++) {
		const struct ds_guest_cfg *o = &cfg->guests[j];

		if (g->xen && o->xen && g->xen_domid == o->xen_domid &&
		    g->xen_devid == o->xen_devid) {
			verr(cfg, g->line, err, err_len, "[guest %s]: Xen "
			     "device %u/%u is also guest '%s''s (line %d)",
			     g->name, g->xen_domid, g->xen_devid, o->name,
			     o->line);
			return -1;
		}
		if (g->socket[0] != '\0' && !strcmp(g->socket, o->socket)) {
			verr(cfg, g->line, err, err_len, "[guest %s]: socket "
			     "%s is also guest '%s''s (line %d)", g->name,
			     g->socket, o->name, o->line);
			return -1;
		}
		if (g->mac_set && o->mac_set && g->tenant == o->tenant &&
		    !memcmp(g->mac, o->mac, 6)) {
			verr(cfg, g->mac_line, err, err_len, "[guest %s]: mac "
			     "is also guest '%s''s (line %d) in the same "
			     "tenant", g->name, o->name, o->mac_line);
			return -1;
		}
	}
	return 0;
}

int
ds_config_validate(struct ds_config *cfg, char *err, size_t err_len)
{
	int i, j;

	if (cfg->global.default_tenant[0] != '\0' &&
	    ds_config_tenant(cfg, cfg->global.default_tenant) < 0) {
		verr(cfg, cfg->global.default_tenant_line, err, err_len,
		     "[global]: default-tenant '%s' has no [tenant] section",
		     cfg->global.default_tenant);
		return -1;
	}
	for (i = 0; i < cfg->n_tenants; i++) {
		struct ds_tenant_cfg *t = &cfg->tenants[i];

		if (t->max_macs == 0)
			t->max_macs = cfg->global.fdb_size;
		for (j = 0; j < i; j++) {
			if (t->vlan != DS_VLAN_NONE &&
			    t->vlan == cfg->tenants[j].vlan) {
				verr(cfg, t->line, err, err_len, "[tenant %s]: "
				     "vlan %u is also tenant '%s''s (line %d)",
				     t->name, t->vlan, cfg->tenants[j].name,
				     cfg->tenants[j].line);
				return -1;
			}
		}
	}
	for (i = 0; i < cfg->n_guests; i++)
		if (validate_guest(cfg, i, err, err_len) != 0)
			return -1;
	for (i = 0; i < cfg->n_uplinks; i++) {
		struct ds_uplink_cfg *u = &cfg->uplinks[i];

		if (u->port_cfg.max_macs == 0)
			u->port_cfg.max_macs = cfg->global.uplink_max_macs;
		j = ds_config_guest(cfg, u->name);
		if (j >= 0) {
			/* port names are unique: telemetry keys, logs */
			verr(cfg, u->line, err, err_len, "[uplink %s]: the name "
			     "is also a guest's (line %d)", u->name,
			     cfg->guests[j].line);
			return -1;
		}
		if ((u->devargs[0] == '\0') == (u->port[0] == '\0')) {
			verr(cfg, u->line, err, err_len, "[uplink %s]: give "
			     "exactly one of devargs = (hot-plugged) or "
			     "port = (probed by EAL)", u->name);
			return -1;
		}
		if (u->port_cfg.n_lcores > u->port_cfg.queues) {
			verr(cfg, u->lcores_line, err, err_len, "[uplink %s]: "
			     "%d lcores for %u queues", u->name,
			     u->port_cfg.n_lcores, u->port_cfg.queues);
			return -1;
		}
		if (resolve_uplink_tenants(cfg, u, err, err_len) != 0)
			return -1;
		if (u->n_tenants == 0) {
			verr(cfg, u->line, err, err_len, "[uplink %s]: no "
			     "tenant with a vlan to carry", u->name);
			return -1;
		}
	}
	return 0;
}

int
ds_config_dynamic_guest(const struct ds_config *cfg, const char *name,
			const char *socket, struct ds_guest_cfg *g,
			char *err, size_t err_len)
{
	int t;

	if (cfg->global.default_tenant[0] == '\0') {
		snprintf(err, err_len, "no [guest %s] section and no "
			 "default-tenant: refused", name);
		return -1;
	}
	if (!ds_name_ok(name)) {
		snprintf(err, err_len, "'%s' is not usable as a port name "
			 "(1..%d of A-Z a-z 0-9 _)", name, DS_NAME_MAX - 1);
		return -1;
	}
	t = ds_config_tenant(cfg, cfg->global.default_tenant);
	if (t < 0) {
		snprintf(err, err_len, "default-tenant '%s' is unknown",
			 cfg->global.default_tenant);
		return -1;
	}
	guest_defaults(cfg, g);
	resolve_guest(cfg, g);
	snprintf(g->name, sizeof(g->name), "%s", name);
	snprintf(g->tenant_name, sizeof(g->tenant_name), "%s",
		 cfg->tenants[t].name);
	if (copy_str(g->socket, sizeof(g->socket), socket) != 0) {
		snprintf(err, err_len, "socket path too long");
		return -1;
	}
	g->tenant = t;
	g->dynamic = true;
	return 0;
}

/* Expand the devargs template: {name} {socket} {queues} {,peer-uid}. */
int
ds_config_guest_devargs(const struct ds_config *cfg,
			const struct ds_guest_cfg *g, char *out,
			size_t out_len)
{
	const char *t = cfg->global.guest_devargs;
	size_t o = 0;

	if (g->devargs[0] != '\0')
		return copy_str(out, out_len, g->devargs);
	if (g->xen) {
		int n = snprintf(out, out_len, "net_xenshm_%s,transport=xen,"
				 "domid=%u,devid=%u", g->name, g->xen_domid,
				 g->xen_devid);

		return (n < 0 || (size_t)n >= out_len) ? -1 : 0;
	}
	while (*t != '\0') {
		char piece[DS_PATH_MAX + 32];
		size_t n;

		if (!strncmp(t, "{name}", 6)) {
			snprintf(piece, sizeof(piece), "%s", g->name);
			t += 6;
		} else if (!strncmp(t, "{socket}", 8)) {
			snprintf(piece, sizeof(piece), "%s", g->socket);
			t += 8;
		} else if (!strncmp(t, "{queues}", 8)) {
			snprintf(piece, sizeof(piece), "%u", g->port.queues);
			t += 8;
		} else if (!strncmp(t, "{,peer-uid}", 11)) {
			if (g->peer_uid == DS_UID_ANY)
				piece[0] = '\0';
			else
				snprintf(piece, sizeof(piece),
					 ",peer-uid=%" PRIu32, g->peer_uid);
			t += 11;
		} else {
			piece[0] = *t++;
			piece[1] = '\0';
		}
		n = strlen(piece);
		if (o + n >= out_len)
			return -1;
		memcpy(out + o, piece, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}
