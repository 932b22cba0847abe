/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Cross-checks once everything is read (references, duplicates, ranges
 * that depend on other keys), guests made up for unknown sockets, and
 * the devargs that attach a guest.
 */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ds_config_int.h"

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

	ds_cfg_resolve_guest(cfg, g);
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
			verr(cfg, u->line, err, err_len, "[uplink %s]: the "
			     "name is also a guest's (line %d)", u->name,
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
	ds_cfg_guest_defaults(cfg, g);
	ds_cfg_resolve_guest(cfg, g);
	snprintf(g->name, sizeof(g->name), "%s", name);
	snprintf(g->tenant_name, sizeof(g->tenant_name), "%s",
		 cfg->tenants[t].name);
	if (ds_cfg_copy_str(g->socket, sizeof(g->socket), socket) != 0) {
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
		return ds_cfg_copy_str(out, out_len, g->devargs);
	if (g->xen) {
		int n = snprintf(out, out_len, "net_xenshm_port_%s,transport=xen,"
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
