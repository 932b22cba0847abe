/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Configuration keys: defaults, value parsers, and what each key of each
 * section accepts.  The messages say the accepted range and the value
 * that was refused.
 */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds_config_int.h"

void
ds_cfg_err(struct ds_cfg_state *ps, const char *sect, const char *fmt, ...)
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
	/*
	 * "port_": EAL's vdev bus hands a device to the first driver whose
	 * name prefixes the device's, so "net_xenshm_{name}" for a guest
	 * named "guest1" would go to net_xenshm_guest wherever that PMD is
	 * loaded too (both Debian packages: EAL loads its plugin directory).
	 */
	snprintf(g->guest_devargs, sizeof(g->guest_devargs),
		 "net_xenshm_port_{name},path={socket}{,peer-uid}");
	snprintf(g->state_file, sizeof(g->state_file), "auto");
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

int
ds_cfg_copy_str(char *dst, size_t len, const char *src)
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
	if (ds_cfg_copy_str(buf, sizeof(buf), s) != 0)
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

static int
set_port_key(struct ds_cfg_state *ps, const char *sect, struct ds_port_cfg *pc,
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

int
ds_cfg_set_global(struct ds_cfg_state *ps, const char *key, const char *val)
{
	struct ds_global_cfg *g = &ps->cfg->global;
	const char *s = "[global]";
	uint32_t v;

	if (!strcmp(key, "guest-dir")) {
		if (val[0] != '\0' && val[0] != '/')
			BAD(ps, s, "guest-dir must be an absolute path");
		if (ds_cfg_copy_str(g->guest_dir, sizeof(g->guest_dir),
				    val) != 0)
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
		if (ds_cfg_copy_str(g->pmd, sizeof(g->pmd), val) != 0)
			BAD(ps, s, "pmd path is too long");
	} else if (!strcmp(key, "state-file")) {
		if (strcmp(val, "auto") != 0 && strcmp(val, "none") != 0 &&
		    val[0] != '/')
			BAD(ps, s, "state-file must be an absolute path, "
			    "'auto' or 'none'");
		if (ds_cfg_copy_str(g->state_file, sizeof(g->state_file),
				    val) != 0)
			BAD(ps, s, "state-file is too long");
	} else if (!strcmp(key, "guest-devargs")) {
		if (strstr(val, "{name}") == NULL)
			BAD(ps, s, "guest-devargs must contain {name}");
		if (ds_cfg_copy_str(g->guest_devargs, sizeof(g->guest_devargs),
			     val) != 0)
			BAD(ps, s, "guest-devargs is too long");
	} else {
		BAD(ps, s, "unknown key '%s'", key);
	}
	return 0;
}

int
ds_cfg_set_eal(struct ds_cfg_state *ps, const char *key, const char *val)
{
	if (strcmp(key, "args") != 0)
		BAD(ps, "[eal]", "unknown key '%s' (only 'args')", key);
	if (ds_cfg_copy_str(ps->cfg->eal_args, sizeof(ps->cfg->eal_args),
			    val) != 0)
		BAD(ps, "[eal]", "args is too long");
	return 0;
}

int
ds_cfg_set_tenant(struct ds_cfg_state *ps, const char *key, const char *val)
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

int
ds_cfg_set_guest(struct ds_cfg_state *ps, const char *key, const char *val)
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
		if (ds_cfg_copy_str(g->socket, sizeof(g->socket), val) != 0)
			BAD(ps, s, "socket path is longer than %d bytes",
			    DS_PATH_MAX - 1);
	} else if (!strcmp(key, "devargs")) {
		if (val[0] == '\0' ||
		    ds_cfg_copy_str(g->devargs, sizeof(g->devargs), val) != 0)
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
			BAD(ps, s, "xen-devid must be a device number "
			    "(0..255), not '%s'", val);
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

int
ds_cfg_set_uplink(struct ds_cfg_state *ps, const char *key, const char *val)
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

		if (val[0] == '\0' ||
		    ds_cfg_copy_str(dst, DS_DEVARGS_MAX, val) != 0)
			BAD(ps, s, "%s must be 1..%d bytes", key,
			    DS_DEVARGS_MAX - 1);
	} else if (!strcmp(key, "tenants")) {
		if (ds_cfg_copy_str(u->tenants_str, sizeof(u->tenants_str),
				    val) != 0)
			BAD(ps, s, "tenants list is too long");
		u->tenants_line = ps->org.line;
	} else {
		BAD(ps, s, "unknown key '%s'", key);
	}
	return 0;
}

void
ds_cfg_guest_defaults(const struct ds_config *cfg, struct ds_guest_cfg *g)
{
	memset(g, 0, sizeof(*g));
	g->tenant = -1;
	g->spoof = DS_SPOOF_LEARN_FIRST;
	g->rate_burst_ms = 20;
	/* 0 / peer_uid_set: taken from [global] by ds_cfg_resolve_guest(), so
	 * that [global] may come after the guests. */
	(void)cfg;
}

void
ds_cfg_resolve_guest(const struct ds_config *cfg, struct ds_guest_cfg *g)
{
	if (!g->peer_uid_set)
		g->peer_uid = cfg->global.peer_uid;
	if (g->port.queues == 0)
		g->port.queues = cfg->global.guest_queues;
	if (g->port.max_macs == 0)
		g->port.max_macs = cfg->global.guest_max_macs;
}
