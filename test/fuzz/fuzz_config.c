/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * The doms-switch configuration: file parser, --set overrides and the
 * cross-checks (ds_config_parse.c, ds_config_keys.c, ds_config_check.c).
 * The file is root's, but it is also what an operator's typo produces,
 * and --set values may come from orchestration scripts.
 *
 * Input: the file text, then NUL-separated --set assignments.
 *
 * Properties:
 *  - a refusal names where: "fz.conf:LINE: ..." with a line of the file,
 *    or "--set: ...";
 *  - a configuration that validates keeps every promise docs/doms-switch.md
 *    makes to the rest of the switch: names usable as telemetry keys and
 *    unique, every guest in exactly one existing tenant, reachable by
 *    exactly one transport, no socket or Xen device or (tenant, MAC)
 *    shared, uplinks carrying only existing tenants with vlans, values in
 *    their documented ranges;
 *  - the devargs built from it are bounded strings naming the guest;
 *  - a guest made up for an unknown socket lands in the default tenant.
 */

#include <stdbool.h>

#include "fuzz.h"
#include "ds_config.h"

#define ORIGIN		"fz.conf"
#define MAX_SETS	8

static struct ds_config cfg;

static bool
pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static void
check_err(const char *err, size_t cap, int lines)
{
	int line;

	FZ_CHECK(memchr(err, '\0', cap) != NULL && err[0] != '\0',
		 "no message");
	if (!strncmp(err, "--set: ", 7))
		return;
	FZ_CHECK(!strncmp(err, ORIGIN ":", sizeof(ORIGIN)),
		 "message does not name the file: %s", err);
	/* "fz.conf: ..." only for problems not tied to a line. */
	if (sscanf(err + sizeof(ORIGIN), "%d:", &line) == 1)
		FZ_CHECK(line >= 1 && line <= lines, "line %d of %d: %s",
			 line, lines, err);
}

static void
check_port(const struct ds_port_cfg *p, const char *name)
{
	int i;

	FZ_CHECK(p->queues >= 1 && p->queues <= DS_MAX_QUEUES,
		 "%s: %u queues", name, p->queues);
	FZ_CHECK(p->n_lcores >= 0 && p->n_lcores <= p->queues,
		 "%s: %d lcores", name, p->n_lcores);
	for (i = 0; i < p->n_lcores; i++)
		FZ_CHECK(p->lcores[i] >= 0 && p->lcores[i] < 1024,
			 "%s: lcore %d", name, p->lcores[i]);
	FZ_CHECK(p->max_macs >= 1 && p->max_macs <= (1u << 24),
		 "%s: max-macs %u", name, p->max_macs);
}

static void
check_valid(void)
{
	const struct ds_global_cfg *gl = &cfg.global;
	char out[DS_DEVARGS_MAX];
	struct ds_guest_cfg dyn;
	char err[DS_ERR_MAX];
	int i, j, k;

	FZ_CHECK(cfg.n_tenants >= 0 && cfg.n_tenants <= DS_MAX_TENANTS &&
		 cfg.n_guests >= 0 && cfg.n_guests <= DS_MAX_GUESTS &&
		 cfg.n_uplinks >= 0 && cfg.n_uplinks <= DS_MAX_UPLINKS,
		 "counts");
	FZ_CHECK(gl->mtu >= 68 && gl->mtu <= 9600, "mtu %u", gl->mtu);
	FZ_CHECK(gl->burst >= 1 && gl->burst <= 64, "burst");
	FZ_CHECK(pow2(gl->rx_desc) && gl->rx_desc >= 64 &&
		 pow2(gl->tx_desc) && gl->tx_desc >= 64, "descs");
	FZ_CHECK(gl->fdb_size >= 64 && gl->fdb_size <= (1u << 24), "fdb");
	FZ_CHECK(gl->guest_dir[0] == '\0' || gl->guest_dir[0] == '/',
		 "guest-dir %s", gl->guest_dir);
	FZ_CHECK(strstr(gl->guest_devargs, "{name}") != NULL, "template");
	FZ_CHECK(gl->default_tenant[0] == '\0' ||
		 ds_config_tenant(&cfg, gl->default_tenant) >= 0,
		 "default tenant");

	for (i = 0; i < cfg.n_tenants; i++) {
		const struct ds_tenant_cfg *t = &cfg.tenants[i];

		FZ_CHECK(ds_name_ok(t->name), "tenant name '%s'", t->name);
		FZ_CHECK(t->vlan <= 4094, "vlan %u", t->vlan);
		FZ_CHECK(t->max_macs >= 1, "tenant max-macs");
		for (j = 0; j < i; j++) {
			FZ_CHECK(strcmp(t->name, cfg.tenants[j].name),
				 "tenant %s twice", t->name);
			FZ_CHECK(t->vlan == DS_VLAN_NONE ||
				 t->vlan != cfg.tenants[j].vlan,
				 "vlan %u twice", t->vlan);
		}
	}

	for (i = 0; i < cfg.n_guests; i++) {
		const struct ds_guest_cfg *g = &cfg.guests[i];

		FZ_CHECK(ds_name_ok(g->name), "guest name '%s'", g->name);
		FZ_CHECK(g->tenant >= 0 && g->tenant < cfg.n_tenants &&
			 !strcmp(cfg.tenants[g->tenant].name, g->tenant_name),
			 "guest %s: tenant %d '%s'", g->name, g->tenant,
			 g->tenant_name);
		FZ_CHECK(g->xen != (g->socket[0] != '\0' ||
				    g->devargs[0] != '\0'),
			 "guest %s: not exactly one transport", g->name);
		FZ_CHECK(g->socket[0] == '\0' || g->socket[0] == '/',
			 "guest %s: socket %s", g->name, g->socket);
		FZ_CHECK(!g->xen || (g->xen_domid <= 0x7fef &&
				     g->xen_devid <= 255), "xen ids");
		FZ_CHECK(g->spoof != DS_SPOOF_STRICT || g->mac_set,
			 "guest %s: strict without a MAC", g->name);
		FZ_CHECK(!g->mac_set || (!(g->mac[0] & 1) &&
			 (g->mac[0] | g->mac[1] | g->mac[2] | g->mac[3] |
			  g->mac[4] | g->mac[5])), "guest %s: MAC", g->name);
		FZ_CHECK(g->rate_pps <= 1000000000ull &&
			 g->rate_bps <= 1000000000000ull &&
			 g->rate_burst_ms >= 1 && g->rate_burst_ms <= 10000,
			 "guest %s: rates", g->name);
		check_port(&g->port, g->name);
		for (j = 0; j < i; j++) {
			const struct ds_guest_cfg *o = &cfg.guests[j];

			FZ_CHECK(strcmp(g->name, o->name), "guest twice");
			FZ_CHECK(g->socket[0] == '\0' ||
				 strcmp(g->socket, o->socket),
				 "socket %s twice", g->socket);
			FZ_CHECK(!(g->xen && o->xen &&
				   g->xen_domid == o->xen_domid &&
				   g->xen_devid == o->xen_devid), "xen twice");
			FZ_CHECK(!(g->mac_set && o->mac_set &&
				   g->tenant == o->tenant &&
				   !memcmp(g->mac, o->mac, 6)),
				 "MAC twice in a tenant");
		}
		memset(out, 0x55, sizeof(out));
		if (ds_config_guest_devargs(&cfg, g, out, sizeof(out)) == 0) {
			FZ_CHECK(memchr(out, '\0', sizeof(out)) != NULL,
				 "devargs not terminated");
			FZ_CHECK(g->devargs[0] != '\0' ||
				 strstr(out, g->name) != NULL,
				 "devargs '%s' without the name", out);
		}
	}

	for (i = 0; i < cfg.n_uplinks; i++) {
		const struct ds_uplink_cfg *u = &cfg.uplinks[i];

		FZ_CHECK(ds_name_ok(u->name), "uplink name");
		FZ_CHECK(ds_config_guest(&cfg, u->name) < 0,
			 "uplink %s is also a guest", u->name);
		FZ_CHECK((u->devargs[0] == '\0') != (u->port[0] == '\0'),
			 "uplink %s: devargs and port", u->name);
		FZ_CHECK(u->n_tenants >= 1 && u->n_tenants <= cfg.n_tenants,
			 "uplink %s: %d tenants", u->name, u->n_tenants);
		for (j = 0; j < u->n_tenants; j++) {
			k = u->tenants[j];
			FZ_CHECK(k >= 0 && k < cfg.n_tenants &&
				 cfg.tenants[k].vlan != DS_VLAN_NONE,
				 "uplink %s: tenant %d", u->name, k);
			for (k = 0; k < j; k++)
				FZ_CHECK(u->tenants[k] != u->tenants[j],
					 "uplink %s: tenant twice", u->name);
		}
		for (j = 0; j < i; j++)
			FZ_CHECK(strcmp(u->name, cfg.uplinks[j].name),
				 "uplink twice");
		check_port(&u->port_cfg, u->name);
	}

	/* A socket nobody configured, named after the first tenant. */
	if (ds_config_dynamic_guest(&cfg, cfg.n_tenants ? cfg.tenants[0].name :
				    "x", "/run/fz.sock", &dyn, err,
				    sizeof(err)) == 0) {
		FZ_CHECK(gl->default_tenant[0] != '\0', "no default tenant");
		FZ_CHECK(dyn.dynamic && dyn.tenant >= 0 &&
			 dyn.tenant < cfg.n_tenants &&
			 !strcmp(cfg.tenants[dyn.tenant].name,
				 gl->default_tenant), "dynamic guest tenant");
		check_port(&dyn.port, "dynamic");
	} else {
		FZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL, "dyn err");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[DS_ERR_MAX * 2];
	const char *p, *end;
	char *text;
	int lines = 1, nset = 0, rc;
	size_t i;

	text = malloc(size + 1);
	FZ_CHECK(text != NULL, "malloc");
	memcpy(text, data, size);
	text[size] = '\0';
	for (i = 0; i < size && text[i] != '\0'; i++)
		lines += text[i] == '\n';

	ds_config_init(&cfg);
	memset(err, 0, sizeof(err));
	rc = ds_config_parse_string(&cfg, text, ORIGIN, err, sizeof(err));
	FZ_SAY("config parse: %d %s\n", rc, err);
	if (rc != 0) {
		check_err(err, sizeof(err), lines);
		free(text);
		return 0;
	}
	/* The --set assignments after the first NUL. */
	p = text + strlen(text);
	end = text + size;
	while (p < end && nset < MAX_SETS) {
		p++;
		memset(err, 0, sizeof(err));
		rc = ds_config_set(&cfg, p, err, sizeof(err));
		FZ_SAY("config set %s: %d %s\n", p, rc, err);
		if (rc != 0) {
			FZ_CHECK(!strncmp(err, "--set: ", 7),
				 "--set message: %s", err);
			free(text);
			return 0;
		}
		p += strlen(p);
		nset++;
	}
	memset(err, 0, sizeof(err));
	rc = ds_config_validate(&cfg, err, sizeof(err));
	FZ_SAY("config: %d %s\n", rc, err);
	if (rc != 0)
		check_err(err, sizeof(err), lines);
	else
		check_valid();
	free(text);
	return 0;
}
