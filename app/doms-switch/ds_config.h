/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * doms-switch configuration: the model, the INI-like file parser and the
 * validation.  Plain C, no DPDK, so that the unit tests can drive it
 * without an EAL.  The format is documented in docs/doms-switch.md.
 *
 * Every error names where the offending value came from: "FILE:LINE:"
 * for the file, "--set:" for a command-line override.
 */

#ifndef DS_CONFIG_H
#define DS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DS_NAME_MAX		32	/* section names, incl. NUL */
#define DS_PATH_MAX		108	/* sun_path */
#define DS_DEVARGS_MAX		256
#define DS_EAL_ARGS_MAX		1024
#define DS_ERR_MAX		256
#define DS_MAX_QUEUES		16	/* SHMRING_MAX_QUEUE_PAIRS */
#define DS_MAX_TENANTS		1024
#define DS_MAX_GUESTS		240
#define DS_MAX_UPLINKS		8
#define DS_VLAN_NONE		0
#define DS_UID_ANY		UINT32_MAX
#define DS_LCORE_AUTO		(-1)

/* How a guest port's source MAC is policed. */
enum ds_spoof_mode {
	DS_SPOOF_STRICT = 0,	/* only the configured mac= */
	DS_SPOOF_LEARN_FIRST,	/* the first unicast source, then only it */
	DS_SPOOF_OFF,		/* any unicast source, learnt up to max-macs */
};

struct ds_tenant_cfg {
	char name[DS_NAME_MAX];
	uint16_t vlan;		/* 802.1Q id on uplinks; DS_VLAN_NONE: none */
	uint32_t max_macs;	/* FDB entries this tenant may hold */
	int line;
};

/* Settings shared by guests and uplinks. */
struct ds_port_cfg {
	uint16_t queues;
	int n_lcores;			/* 0: automatic placement */
	int lcores[DS_MAX_QUEUES];	/* rx queue i -> lcores[i % n] */
	uint32_t max_macs;
};

struct ds_guest_cfg {
	char name[DS_NAME_MAX];
	char socket[DS_PATH_MAX];	/* host transport rendezvous */
	char devargs[DS_DEVARGS_MAX];	/* explicit devargs: static port */
	bool xen;			/* Xen transport: found in xenstore */
	uint32_t xen_domid;
	uint32_t xen_devid;
	int tenant;			/* index into ds_config.tenants */
	char tenant_name[DS_NAME_MAX];
	uint8_t mac[6];
	bool mac_set;
	enum ds_spoof_mode spoof;
	bool allow_vlan;		/* forward 802.1Q-tagged frames */
	uint64_t rate_pps;		/* 0: unlimited */
	uint64_t rate_bps;		/* bits/s, 0: unlimited */
	uint32_t rate_burst_ms;
	uint32_t peer_uid;
	bool peer_uid_set;
	bool dynamic;			/* no section: default-tenant */
	struct ds_port_cfg port;
	int line;
	int tenant_line;
	int mac_line;
	int lcores_line;
};

struct ds_uplink_cfg {
	char name[DS_NAME_MAX];
	char devargs[DS_DEVARGS_MAX];	/* hot-plugged with rte_dev_probe */
	char port[DS_DEVARGS_MAX];	/* or: name of a port EAL probed */
	bool all_tenants;
	int n_tenants;
	int tenants[DS_MAX_TENANTS];	/* indices; resolved by validation */
	char tenants_str[DS_DEVARGS_MAX];
	struct ds_port_cfg port_cfg;
	int line;
	int tenants_line;
	int lcores_line;
};

struct ds_global_cfg {
	char guest_dir[DS_PATH_MAX];	/* "" : no directory watch */
	char default_tenant[DS_NAME_MAX]; /* "" : unknown sockets refused */
	int default_tenant_line;
	uint32_t aging_s;
	uint32_t fdb_size;
	uint32_t mbufs;
	uint16_t burst;
	uint16_t rx_desc;
	uint16_t tx_desc;
	uint16_t mtu;
	uint32_t detach_grace_ms;
	uint32_t scan_interval_ms;
	uint32_t peer_uid;		/* default for guests */
	uint32_t guest_max_macs;	/* default for guests */
	uint32_t uplink_max_macs;	/* default for uplinks */
	uint16_t guest_queues;		/* default for guests */
	char pmd[DS_PATH_MAX * 2];	/* net_xenshm .so to load with -d */
	char guest_devargs[DS_DEVARGS_MAX]; /* template, see ds_config.c */
	/* learn-first pins across restarts: a path, "auto" (in the EAL
	 * runtime directory) or "none" */
	char state_file[DS_PATH_MAX];
};

struct ds_config {
	char file[DS_PATH_MAX * 2];
	struct ds_global_cfg global;
	char eal_args[DS_EAL_ARGS_MAX];
	int n_tenants;
	struct ds_tenant_cfg tenants[DS_MAX_TENANTS];
	int n_guests;
	struct ds_guest_cfg guests[DS_MAX_GUESTS];
	int n_uplinks;
	struct ds_uplink_cfg uplinks[DS_MAX_UPLINKS];
};

/* Defaults for everything (no tenants, guests or uplinks). */
void ds_config_init(struct ds_config *cfg);

/*
 * Parse a file into cfg (on top of what cfg holds).  Returns 0, or -1
 * with "FILE:LINE: problem" in err.
 */
int ds_config_load(struct ds_config *cfg, const char *path,
		   char *err, size_t err_len);

/* Same, from a string (the unit tests); 'origin' names it in errors. */
int ds_config_parse_string(struct ds_config *cfg, const char *text,
			   const char *origin, char *err, size_t err_len);

/*
 * A command-line override "SECTION[:NAME].KEY=VALUE", e.g.
 * "global.aging-time=10" or "guest:vm1.rate-pps=1000".  Creates the
 * section if needed.  Returns 0 or -1 with the problem in err.
 */
int ds_config_set(struct ds_config *cfg, const char *assignment,
		  char *err, size_t err_len);

/*
 * Cross-checks once everything is loaded: references, duplicates,
 * ranges.  Returns 0 or -1 with "FILE:LINE: problem" in err.
 */
int ds_config_validate(struct ds_config *cfg, char *err, size_t err_len);

/* Index of a tenant by name, or -1. */
int ds_config_tenant(const struct ds_config *cfg, const char *name);
/* Index of a guest by name, or -1. */
int ds_config_guest(const struct ds_config *cfg, const char *name);

/*
 * A guest for a socket that has no [guest] section: defaults from
 * [global], the default tenant.  Returns 0, or -1 when unknown guests
 * are refused or the name is unusable (err says why).
 */
int ds_config_dynamic_guest(const struct ds_config *cfg, const char *name,
			    const char *socket, struct ds_guest_cfg *g,
			    char *err, size_t err_len);

/* The devargs that attach a guest: its devargs= or the template. */
int ds_config_guest_devargs(const struct ds_config *cfg,
			    const struct ds_guest_cfg *g,
			    char *out, size_t out_len);

/* Helpers shared with the rest of the switch (and tested). */
int ds_parse_mac(const char *s, uint8_t mac[6]);
int ds_parse_u64(const char *s, uint64_t *v, bool si_suffix);
bool ds_name_ok(const char *s);
const char *ds_spoof_mode_str(enum ds_spoof_mode m);

#endif /* DS_CONFIG_H */
