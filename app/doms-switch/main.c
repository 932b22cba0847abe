/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * doms-switch: the DomS L2 switch.  main() reads the configuration, starts
 * EAL (loading the net_xenshm PMD with -d), sets up the shared state,
 * launches one worker per EAL worker lcore and runs the control loop on
 * the main lcore until SIGINT/SIGTERM.
 */

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pdump.h>
#include <rte_ring_elem.h>
#include <rte_version.h>

#include "ds_notify.h"
#include "ds_switch.h"

RTE_LOG_REGISTER(ds_logtype, app.doms_switch, INFO);

#define DS_DEFAULT_CONFIG	"/etc/xenshm/doms-switch.conf"
#define DS_MAX_SETS		64
#define DS_MAX_EAL_ARGS		128
#define DS_MEMPOOL_CACHE	256
#define DS_LEARN_RING		4096

struct ds_opts {
	const char *config;
	bool config_given;
	const char *sets[DS_MAX_SETS];
	int n_sets;
	const char *pmd;
	bool check;
	int eal_argc;		/* after "--", 0: use [eal] args */
	char **eal_argv;
};

static struct ds_switch the_switch;
static struct ds_config the_config;

static void
usage(FILE *out, const char *prg)
{
	fprintf(out,
"Usage: %s [OPTIONS] [-- EAL-ARGUMENTS...]\n"
"\n"
"DomS L2 switch for xenshm guests: one port per guest (net_xenshm), uplinks\n"
"carrying 802.1Q-tagged tenant traffic, MAC learning with aging, tenant\n"
"isolation, anti-spoofing and per-guest rate limits.\n"
"\n"
"Options:\n"
"  -c, --config FILE     configuration file (default %s;\n"
"                        without it, built-in defaults and --set only)\n"
"  -s, --set S.KEY=VAL   override one setting after the file is read;\n"
"                        S is global, eal, tenant:NAME, guest:NAME or\n"
"                        uplink:NAME, e.g. --set global.aging-time=60\n"
"                        --set guest:vm1.rate-pps=10k (repeatable)\n"
"  -g, --guest-dir DIR   same as --set global.guest-dir=DIR\n"
"  -p, --pmd PATH        net_xenshm PMD to load with EAL -d ('none': do\n"
"                        not load one); same as --set global.pmd=PATH\n"
"      --check           validate the configuration, print it, and exit\n"
"  -h, --help            this text\n"
"  -V, --version         version\n"
"\n"
"EAL arguments come from [eal] args in the file; any given after '--'\n"
"replace them entirely, e.g.\n"
"  %s -c /etc/xenshm/doms-switch.conf -- -l 0,1 --file-prefix doms\n"
"\n"
"Telemetry (dpdk-telemetry.py -f <file-prefix>): /doms_switch/info, ports,\n"
"fdb, tenants, drops, lcores.  See docs/doms-switch.md.\n",
		prg, DS_DEFAULT_CONFIG, prg);
}

static int
parse_opts(int argc, char **argv, struct ds_opts *o)
{
	static const struct option longs[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "set", required_argument, NULL, 's' },
		{ "guest-dir", required_argument, NULL, 'g' },
		{ "pmd", required_argument, NULL, 'p' },
		{ "check", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static char gd[DS_PATH_MAX + 32];
	int c;

	memset(o, 0, sizeof(*o));
	o->config = DS_DEFAULT_CONFIG;
	opterr = 0;
	/* '+': stop at the first non-option, so that EAL args stay intact */
	while ((c = getopt_long(argc, argv, "+c:s:g:p:hV", longs,
				NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			o->config_given = true;
			break;
		case 's':
			if (o->n_sets == DS_MAX_SETS) {
				fprintf(stderr, "doms-switch: more than %d "
					"--set\n", DS_MAX_SETS);
				return -1;
			}
			o->sets[o->n_sets++] = optarg;
			break;
		case 'g':
			snprintf(gd, sizeof(gd), "global.guest-dir=%s", optarg);
			if (o->n_sets == DS_MAX_SETS)
				return -1;
			o->sets[o->n_sets++] = gd;
			break;
		case 'p':
			o->pmd = optarg;
			break;
		case 'C':
			o->check = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			exit(0);
		case 'V':
			printf("doms-switch %s (%s)\n", DS_VERSION,
			       rte_version());
			exit(0);
		default:
			fprintf(stderr, "doms-switch: unknown or incomplete "
				"option '%s' (see --help)\n", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--") != 0) {
			fprintf(stderr, "doms-switch: unexpected argument "
				"'%s'; EAL arguments go after '--'\n",
				argv[optind]);
			return -1;
		}
		o->eal_argc = argc - optind;
		o->eal_argv = &argv[optind];
	}
	return 0;
}

/* Split [eal] args on blanks; double quotes group. Modifies buf. */
static int
split_args(char *buf, char **out, int max)
{
	int n = 0;
	char *p = buf;

	while (*p != '\0') {
		char *w;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (n == max)
			return -1;
		if (*p == '"') {
			w = ++p;
			while (*p != '\0' && *p != '"')
				p++;
		} else {
			w = p;
			while (*p != '\0' && *p != ' ' && *p != '\t')
				p++;
		}
		if (*p != '\0')
			*p++ = '\0';
		out[n++] = w;
	}
	return n;
}

static bool
file_exists(const char *path)
{
	return access(path, R_OK) == 0;
}

/*
 * Which net_xenshm .so to give EAL with -d: the configured one; else the
 * one built beside this binary when it runs from the build tree; else the
 * installed one.  "" when none is found or 'none' was asked.
 */
static void
resolve_pmd(const struct ds_config *cfg, char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n;

	out[0] = '\0';
	if (cfg->global.pmd[0] != '\0') {
		if (strcmp(cfg->global.pmd, "none") != 0)
			snprintf(out, len, "%s", cfg->global.pmd);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if (!strcmp(dirname(exe), DS_BUILD_DIR) &&
		    file_exists(DS_PMD_BUILD_PATH)) {
			snprintf(out, len, "%s", DS_PMD_BUILD_PATH);
			return;
		}
	}
	if (file_exists(DS_PMD_INSTALL_PATH))
		snprintf(out, len, "%s", DS_PMD_INSTALL_PATH);
}

static void
print_config(const struct ds_config *cfg)
{
	char buf[DS_DEVARGS_MAX];
	int i, j;

	printf("config %s: OK\n", cfg->file);
	printf("  guest-dir %s, default-tenant %s, aging %us, fdb %u, "
	       "mtu %u\n", cfg->global.guest_dir[0] ?
	       cfg->global.guest_dir : "(none)",
	       cfg->global.default_tenant[0] ? cfg->global.default_tenant :
	       "(none: unknown guests refused)", cfg->global.aging_s,
	       cfg->global.fdb_size, cfg->global.mtu);
	printf("  eal args: %s\n", cfg->eal_args[0] ? cfg->eal_args :
	       "(none)");
	printf("  state-file %s\n", cfg->global.state_file);
	for (i = 0; i < cfg->n_tenants; i++)
		printf("  tenant %s: vlan %u, max-macs %u\n",
		       cfg->tenants[i].name, cfg->tenants[i].vlan,
		       cfg->tenants[i].max_macs);
	for (i = 0; i < cfg->n_guests; i++) {
		const struct ds_guest_cfg *g = &cfg->guests[i];

		ds_config_guest_devargs(cfg, g, buf, sizeof(buf));
		printf("  guest %s: tenant %s, %s, anti-spoof %s, rate %lu "
		       "pps %lu bit/s, queues %u\n", g->name,
		       cfg->tenants[g->tenant].name, buf,
		       ds_spoof_mode_str(g->spoof),
		       (unsigned long)g->rate_pps, (unsigned long)g->rate_bps,
		       g->port.queues);
	}
	for (i = 0; i < cfg->n_uplinks; i++) {
		const struct ds_uplink_cfg *u = &cfg->uplinks[i];

		printf("  uplink %s: %s, tenants", u->name,
		       u->devargs[0] ? u->devargs : u->port);
		for (j = 0; j < u->n_tenants; j++)
			printf(" %s/%u", cfg->tenants[u->tenants[j]].name,
			       cfg->tenants[u->tenants[j]].vlan);
		printf("\n");
	}
}

static void
on_signal(int sig __rte_unused)
{
	/* lock-free atomic store: safe in a signal handler */
	atomic_store_explicit(&the_switch.quit, true, memory_order_relaxed);
}

/*
 * The learn-first pins of the previous process, if any: in place before
 * the first table, so that no frame can claim a pinned MAC whose guest
 * is not attached yet.  "auto": the EAL runtime directory, which is this
 * instance's own (--file-prefix) and survives a restart, not a reboot.
 */
static void
load_pins(struct ds_switch *sw, const struct ds_config *cfg)
{
	const char *sf = cfg->global.state_file;
	char why[256] = "";
	int rc;

	if (!strcmp(sf, "none")) {
		DS_LOG(WARNING, "state-file none: learn-first pins are lost "
		       "at a restart (any guest may claim a quiet guest's "
		       "MAC then)");
		return;
	}
	if (!strcmp(sf, "auto"))
		snprintf(sw->state_path, sizeof(sw->state_path),
			 "%s/doms-switch.pins", rte_eal_get_runtime_dir());
	else
		snprintf(sw->state_path, sizeof(sw->state_path), "%s", sf);
	rc = ds_pins_load(sw->state_path, cfg, &sw->pins, why, sizeof(why));
	if (rc == -ENOENT) {
		DS_LOG(INFO, "no %s: no learn-first pins to restore",
		       sw->state_path);
		return;
	}
	if (rc < 0) {
		sw->own.refused++;
		DS_LOG(ERR, "%s ignored: %s%s%s", sw->state_path,
		       strerror(-rc), why[0] ? ": " : "", why);
		return;
	}
	sw->own.refused += (uint64_t)rc;
	if (rc > 0)
		DS_LOG(WARNING, "%s: %d line(s) refused, first: %s",
		       sw->state_path, rc, why);
	DS_LOG(INFO, "%s: %d learn-first pin(s) to restore", sw->state_path,
	       sw->pins.n);
}

static int
setup_switch(struct ds_switch *sw, struct ds_config *cfg)
{
	int socket = (int)rte_socket_id();
	unsigned int lc;
	size_t qs_size;
	int t, rc;

	sw->cfg = cfg;
	sw->hz = rte_get_tsc_hz();
	sw->start_tsc = rte_rdtsc();
	sw->burst = RTE_MIN(cfg->global.burst, DS_BURST_MAX);
	sw->n_tenants = (uint16_t)cfg->n_tenants;
	/* refresh "seen" at most 8 times per aging period, 1/s at most */
	sw->fdb_touch_every = RTE_MIN(sw->hz, sw->hz * cfg->global.aging_s / 8);
	sw->learn_repeat = sw->hz / 200;	/* 5 ms */
	pthread_mutex_init(&sw->lock, NULL);

	memset(sw->vlan_to_tenant, 0xff, sizeof(sw->vlan_to_tenant));
	for (t = 0; t < cfg->n_tenants; t++) {
		sw->tenant_vlan[t] = cfg->tenants[t].vlan;
		if (cfg->tenants[t].vlan != DS_VLAN_NONE)
			sw->vlan_to_tenant[cfg->tenants[t].vlan] = t;
	}

	for (lc = 0; lc < RTE_MAX_LCORE; lc++)
		sw->worker_of_lcore[lc] = -1;
	RTE_LCORE_FOREACH_WORKER(lc) {
		struct ds_worker *w;

		if (sw->n_workers == DS_MAX_WORKERS) {
			DS_LOG(WARNING, "lcore %u unused: at most %d workers",
			       lc, DS_MAX_WORKERS);
			continue;
		}
		w = rte_zmalloc_socket("ds_worker", sizeof(*w),
				       RTE_CACHE_LINE_SIZE,
				       (int)rte_lcore_to_socket_id(lc));
		if (w == NULL)
			return -ENOMEM;
		w->lcore_id = lc;
		w->idx = sw->n_workers;
		sw->worker_of_lcore[lc] = (int16_t)w->idx;
		sw->workers[sw->n_workers++] = w;
	}
	if (sw->n_workers == 0) {
		DS_LOG(ERR, "no worker lcore: give EAL at least two lcores, "
		       "e.g. -l 0,1 (the main lcore runs the control thread)");
		return -EINVAL;
	}
	for (t = 0; t < cfg->n_guests; t++) {
		const struct ds_port_cfg *pc = &cfg->guests[t].port;
		int i;

		for (i = 0; i < pc->n_lcores; i++) {
			if (sw->worker_of_lcore[pc->lcores[i]] < 0) {
				DS_LOG(ERR, "%s:%d: [guest %s] lcore %d is not "
				       "a worker lcore of this process",
				       cfg->file, cfg->guests[t].lcores_line,
				       cfg->guests[t].name, pc->lcores[i]);
				return -EINVAL;
			}
		}
	}
	for (t = 0; t < cfg->n_uplinks; t++) {
		const struct ds_port_cfg *pc = &cfg->uplinks[t].port_cfg;
		int i;

		for (i = 0; i < pc->n_lcores; i++) {
			if (sw->worker_of_lcore[pc->lcores[i]] < 0) {
				DS_LOG(ERR, "%s:%d: [uplink %s] lcore %d is "
				       "not a worker lcore of this process",
				       cfg->file, cfg->uplinks[t].lcores_line,
				       cfg->uplinks[t].name, pc->lcores[i]);
				return -EINVAL;
			}
		}
	}

	qs_size = rte_rcu_qsbr_get_memsize(sw->n_workers);
	sw->qs = rte_zmalloc("ds_qsbr", qs_size, RTE_CACHE_LINE_SIZE);
	if (sw->qs == NULL || rte_rcu_qsbr_init(sw->qs, sw->n_workers) != 0)
		return -ENOMEM;
	for (t = 0; t < sw->n_workers; t++)
		rte_rcu_qsbr_thread_register(sw->qs, t);

	sw->pool = rte_pktmbuf_pool_create("ds_mbufs", cfg->global.mbufs,
					   DS_MEMPOOL_CACHE, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (sw->pool == NULL) {
		DS_LOG(ERR, "mbuf pool of %u: %s (lower [global] mbufs or "
		       "give EAL more memory)", cfg->global.mbufs,
		       rte_strerror(rte_errno));
		return -ENOMEM;
	}
	sw->learn_ring = rte_ring_create_elem("ds_learn",
					      sizeof(struct ds_learn_req),
					      DS_LEARN_RING, socket,
					      RING_F_SC_DEQ);
	if (sw->learn_ring == NULL)
		return -ENOMEM;
	rc = ds_fdb_create(&sw->fdb, "ds_fdb", cfg->global.fdb_size,
			   sw->n_tenants, sw->qs, socket);
	if (rc != 0) {
		DS_LOG(ERR, "FDB of %u entries: %s", cfg->global.fdb_size,
		       rte_strerror(-rc));
		return rc;
	}
	load_pins(sw, cfg);
	/* an empty table, so that workers always have one */
	atomic_store_explicit(&sw->table, ds_table_build(sw),
			      memory_order_release);
	if (atomic_load_explicit(&sw->table, memory_order_relaxed) == NULL)
		return -ENOMEM;
	return 0;
}

static void
shutdown_switch(struct ds_switch *sw)
{
	uint16_t s;

	atomic_store_explicit(&sw->quit, true, memory_order_relaxed);
	rte_eal_mp_wait_lcore();
	pthread_mutex_lock(&sw->lock);
	for (s = 0; s < DS_MAX_PORTS; s++)
		if (sw->ports[s] != NULL)
			ds_port_detach(sw, sw->ports[s], "shutting down");
	pthread_mutex_unlock(&sw->lock);
	ds_control_fini(sw);
}

int
main(int argc, char **argv)
{
	struct ds_config *cfg = &the_config;
	struct ds_switch *sw = &the_switch;
	char *eal_argv[DS_MAX_EAL_ARGS + 4];
	char eal_buf[DS_EAL_ARGS_MAX];
	char err[DS_ERR_MAX + DS_PATH_MAX];
	struct sigaction sa;
	struct ds_opts o;
	int eal_argc = 0, i, n, rc;
	unsigned int lc;
	bool user_pmd = false;

	if (parse_opts(argc, argv, &o) != 0)
		return 2;
	ds_config_init(cfg);
	if (o.config_given || file_exists(o.config)) {
		if (ds_config_load(cfg, o.config, err, sizeof(err)) != 0) {
			fprintf(stderr, "doms-switch: %s\n", err);
			return 2;
		}
	} else {
		fprintf(stderr, "doms-switch: no %s; using defaults and "
			"--set only\n", o.config);
	}
	for (i = 0; i < o.n_sets; i++) {
		if (ds_config_set(cfg, o.sets[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "doms-switch: %s\n", err);
			return 2;
		}
	}
	if (o.pmd != NULL)
		snprintf(cfg->global.pmd, sizeof(cfg->global.pmd), "%s",
			 o.pmd);
	if (ds_config_validate(cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "doms-switch: %s\n", err);
		return 2;
	}
	if (o.check) {
		print_config(cfg);
		return 0;
	}

	/* EAL argv: ours, then either the command line's or [eal] args */
	eal_argv[eal_argc++] = argv[0];
	if (o.eal_argc > 0) {
		if (o.eal_argc > DS_MAX_EAL_ARGS) {
			fprintf(stderr, "doms-switch: too many EAL args\n");
			return 2;
		}
		for (i = 0; i < o.eal_argc; i++)
			eal_argv[eal_argc++] = o.eal_argv[i];
	} else {
		memcpy(eal_buf, cfg->eal_args, sizeof(eal_buf));
		n = split_args(eal_buf, &eal_argv[eal_argc], DS_MAX_EAL_ARGS);
		if (n < 0) {
			fprintf(stderr, "doms-switch: %s: [eal] args has more "
				"than %d words\n", cfg->file, DS_MAX_EAL_ARGS);
			return 2;
		}
		eal_argc += n;
	}
	for (i = 1; i < eal_argc; i++)
		if (strstr(eal_argv[i], "librte_net_xenshm.so") != NULL)
			user_pmd = true;
	if (!user_pmd) {
		resolve_pmd(cfg, sw->pmd_path, sizeof(sw->pmd_path));
		if (sw->pmd_path[0] != '\0') {
			eal_argv[eal_argc++] = (char *)"-d";
			eal_argv[eal_argc++] = sw->pmd_path;
		}
	}
	sw->xenshm_pmd_loaded = user_pmd || sw->pmd_path[0] != '\0';
	eal_argv[eal_argc] = NULL;

	rc = rte_eal_init(eal_argc, eal_argv);
	if (rc < 0) {
		fprintf(stderr, "doms-switch: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	if (!sw->xenshm_pmd_loaded)
		DS_LOG(WARNING, "no net_xenshm PMD given or found (%s); "
		       "guests on the host transport cannot attach",
		       DS_PMD_INSTALL_PATH);
	else
		DS_LOG(INFO, "net_xenshm PMD: %s", user_pmd ?
		       "from the EAL arguments" : sw->pmd_path);

	rc = setup_switch(sw, cfg);
	if (rc != 0) {
		DS_LOG(ERR, "setup failed: %s", rte_strerror(-rc));
		rte_eal_cleanup();
		return 1;
	}
	if (ds_telemetry_register(sw) != 0)
		DS_LOG(WARNING, "telemetry commands not available");
	/* Packet capture by secondaries (dpdk-dumpcap, dpdk-pdump). */
	if (rte_pdump_init() != 0)
		DS_LOG(WARNING, "packet capture (dpdk-dumpcap) not available: "
		       "%s", rte_strerror(rte_errno));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	RTE_LCORE_FOREACH_WORKER(lc) {
		if (sw->worker_of_lcore[lc] < 0)
			continue;
		rc = rte_eal_remote_launch(ds_worker_main, sw, lc);
		if (rc != 0) {
			DS_LOG(ERR, "cannot launch lcore %u: %s", lc,
			       rte_strerror(-rc));
			shutdown_switch(sw);
			rte_eal_cleanup();
			return 1;
		}
	}
	DS_LOG(NOTICE, "started: %u worker lcore(s), %d tenant(s), %d "
	       "configured guest(s), %d uplink(s), guest-dir %s",
	       sw->n_workers, cfg->n_tenants, cfg->n_guests, cfg->n_uplinks,
	       cfg->global.guest_dir[0] ? cfg->global.guest_dir : "(none)");
	ds_control_init(sw);
	/* Workers are forwarding: systemd (Type=notify) may call us started. */
	rc = ds_notify("READY=1\nSTATUS=forwarding");
	if (rc != 0)
		DS_LOG(WARNING, "cannot notify systemd (NOTIFY_SOCKET): %s",
		       strerror(-rc));
	ds_control_run(sw);

	DS_LOG(NOTICE, "stopping");
	ds_notify("STOPPING=1");
	shutdown_switch(sw);
	rte_pdump_uninit();
	rte_eal_cleanup();
	return 0;
}
