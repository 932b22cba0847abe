/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Unit test of the doms-switch configuration parser and validation: good
 * files load, and every kind of mistake is refused with a message that
 * names the file, the line and the problem.  No DPDK.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds_config.h"
#include "ds_check.h"

static struct ds_config cfg;

/* Parse + validate; returns 0 or -1 with the message in err. */
static int
load(const char *text, char *err, size_t len)
{
	ds_config_init(&cfg);
	err[0] = '\0';
	if (ds_config_parse_string(&cfg, text, "t.conf", err, len) != 0)
		return -1;
	return ds_config_validate(&cfg, err, len);
}

/* The text must be refused with a message containing 'want'. */
static void
expect_error(const char *text, const char *want)
{
	char err[512];

	if (load(text, err, sizeof(err)) == 0) {
		failures++;
		fprintf(stderr, "FAIL: accepted, wanted error '%s' for:\n%s\n",
			want, text);
		return;
	}
	if (strstr(err, want) == NULL) {
		failures++;
		fprintf(stderr, "FAIL: error '%s' does not contain '%s'\n",
			err, want);
	}
}

static void
test_good(void)
{
	static const char text[] =
		"# comment\n"
		"; another\n"
		"[eal]\n"
		"args = -l 0,1 --file-prefix \"x y\"\n"
		"[global]\n"
		"guest-dir = /run/g   # trailing comment\n"
		"aging-time = 30\n"
		"default-tenant = red\n"
		"peer-uid = 1000\n"
		"[tenant red]\n"
		"vlan = 100\n"
		"[tenant blue]\n"
		"vlan = 200\n"
		"max-macs = 10\n"
		"[tenant novlan]\n"
		"[guest vm1]\n"
		"tenant = red\n"
		"mac = 02:00:00:00:00:01\n"
		"rate-pps = 10k\n"
		"rate-bps = 1G\n"
		"queues = 4\n"
		"lcores = 1,2\n"
		"[guest vm2]\n"
		"tenant = blue\n"
		"mac = learn\n"
		"socket = /run/other/vm2.sock\n"
		"peer-uid = any\n"
		"[guest vm3]\n"
		"tenant = novlan\n"
		"anti-spoof = no\n"
		"devargs = net_memif0,role=server\n"
		"[uplink up]\n"
		"devargs = net_tap0,iface=xs0\n"
		"tenants = red, blue\n";
	char err[512], da[256];

	CHECK(load(text, err, sizeof(err)) == 0, "good config refused: %s",
	      err);
	CHECK(cfg.n_tenants == 3 && cfg.n_guests == 3 && cfg.n_uplinks == 1,
	      "counts %d %d %d", cfg.n_tenants, cfg.n_guests, cfg.n_uplinks);
	CHECK(!strcmp(cfg.eal_args, "-l 0,1 --file-prefix \"x y\""),
	      "eal args '%s'", cfg.eal_args);
	CHECK(!strcmp(cfg.global.guest_dir, "/run/g"), "guest-dir '%s'",
	      cfg.global.guest_dir);
	CHECK(cfg.global.aging_s == 30, "aging %u", cfg.global.aging_s);
	CHECK(cfg.guests[0].rate_pps == 10000, "rate-pps %lu",
	      (unsigned long)cfg.guests[0].rate_pps);
	CHECK(cfg.guests[0].rate_bps == 1000000000ull, "rate-bps");
	CHECK(cfg.guests[0].spoof == DS_SPOOF_STRICT, "vm1 strict");
	CHECK(cfg.guests[0].mac[5] == 1 && cfg.guests[0].mac_set, "vm1 mac");
	CHECK(cfg.guests[0].port.queues == 4 &&
	      cfg.guests[0].port.n_lcores == 2 &&
	      cfg.guests[0].port.lcores[1] == 2, "vm1 queues/lcores");
	CHECK(!strcmp(cfg.guests[0].socket, "/run/g/vm1.sock"),
	      "default socket '%s'", cfg.guests[0].socket);
	CHECK(cfg.guests[0].peer_uid == 1000, "peer-uid from [global]");
	CHECK(cfg.guests[1].spoof == DS_SPOOF_LEARN_FIRST, "vm2 learn");
	CHECK(cfg.guests[1].peer_uid == DS_UID_ANY, "vm2 peer-uid any");
	CHECK(cfg.guests[2].spoof == DS_SPOOF_OFF, "vm3 off");
	CHECK(cfg.guests[1].tenant == 1, "vm2 tenant index");
	CHECK(cfg.uplinks[0].n_tenants == 2, "uplink tenants");
	CHECK(!strcmp(cfg.global.state_file, "auto"), "state-file default "
	      "'%s'", cfg.global.state_file);
	CHECK(cfg.tenants[1].max_macs == 10 &&
	      cfg.tenants[0].max_macs == cfg.global.fdb_size, "max-macs");

	CHECK(ds_config_guest_devargs(&cfg, &cfg.guests[0], da,
				      sizeof(da)) == 0 &&
	      !strcmp(da, "net_xenshm_port_vm1,path=/run/g/vm1.sock,peer-uid=1000"),
	      "template devargs '%s'", da);
	CHECK(ds_config_guest_devargs(&cfg, &cfg.guests[1], da,
				      sizeof(da)) == 0 &&
	      !strcmp(da, "net_xenshm_port_vm2,path=/run/other/vm2.sock"),
	      "devargs without peer-uid '%s'", da);
	CHECK(ds_config_guest_devargs(&cfg, &cfg.guests[2], da,
				      sizeof(da)) == 0 &&
	      !strcmp(da, "net_memif0,role=server"), "explicit devargs");
}

static void
test_overrides(void)
{
	char err[512];
	struct ds_guest_cfg g;

	CHECK(load("[tenant red]\nvlan=5\n[guest a]\ntenant=red\n", err,
		   sizeof(err)) == 0, "base: %s", err);
	CHECK(ds_config_set(&cfg, "guest:a.rate-pps=2M", err,
			    sizeof(err)) == 0, "set: %s", err);
	CHECK(cfg.guests[0].rate_pps == 2000000, "override applied");
	CHECK(ds_config_set(&cfg, "global.aging-time=7", err,
			    sizeof(err)) == 0 && cfg.global.aging_s == 7,
	      "global override");
	CHECK(ds_config_set(&cfg, "guest:b.tenant=red", err,
			    sizeof(err)) == 0 && cfg.n_guests == 2,
	      "--set creates a section");
	CHECK(ds_config_set(&cfg, "guest:a.nope=1", err, sizeof(err)) != 0 &&
	      strstr(err, "--set") && strstr(err, "unknown key 'nope'"),
	      "bad override message '%s'", err);
	CHECK(ds_config_set(&cfg, "guest.rate-pps=1", err, sizeof(err)) != 0 &&
	      strstr(err, "needs a name"), "unnamed guest '%s'", err);
	CHECK(ds_config_set(&cfg, "bogus", err, sizeof(err)) != 0,
	      "no '=' refused");

	/* sockets without a section: refused unless default-tenant */
	CHECK(ds_config_dynamic_guest(&cfg, "x", "/run/x.sock", &g, err,
				      sizeof(err)) != 0 &&
	      strstr(err, "refused"), "dynamic refused '%s'", err);
	CHECK(ds_config_set(&cfg, "global.default-tenant=red", err,
			    sizeof(err)) == 0, "default-tenant");
	CHECK(ds_config_dynamic_guest(&cfg, "x", "/run/x.sock", &g, err,
				      sizeof(err)) == 0 && g.tenant == 0 &&
	      g.dynamic && g.spoof == DS_SPOOF_LEARN_FIRST,
	      "dynamic guest '%s'", err);
	CHECK(ds_config_dynamic_guest(&cfg, "x-y", "/run/x.sock", &g, err,
				      sizeof(err)) != 0, "bad dynamic name");
}

static void
test_errors(void)
{
	/* syntax, with the line number */
	expect_error("[global]\n\nfoo = 1\n", "t.conf:3: [global]: unknown key "
		     "'foo'");
	expect_error("aging-time = 3\n", "t.conf:1: 'aging-time' is outside "
		     "any section");
	expect_error("[global]\njunk\n", "t.conf:2: expected 'key = value'");
	expect_error("[global\n", "t.conf:1: a section header");
	expect_error("[bridge x]\n", "t.conf:1: unknown section [bridge]");
	expect_error("[guest]\n", "t.conf:1: [guest] needs a name");
	expect_error("[global x]\n", "[global] takes no name");
	expect_error("[guest a-b]\n", "t.conf:1: [guest a-b]: a name is");
	expect_error("[global]\nguest-dir = \"/x\n", "unterminated quote");
	/* values */
	expect_error("[tenant t]\nvlan = 4095\n", "t.conf:2: [tenant t]: vlan "
		     "must be 1..4094");
	expect_error("[tenant t]\nvlan = 0x10\n", "vlan must be");
	expect_error("[global]\naging-time = -1\n", "aging-time must be");
	expect_error("[global]\nrx-desc = 1000\n", "power of two");
	expect_error("[global]\nguest-dir = relative\n", "absolute path");
	expect_error("[global]\nstate-file = pins\n", "state-file must be an "
		     "absolute path, 'auto' or 'none'");
	expect_error("[guest g]\nmac = 01:00:5e:00:00:01\n",
		     "t.conf:2: [guest g]: mac 01:00:5e:00:00:01 is a "
		     "multicast");
	expect_error("[guest g]\nmac = 00:00:00:00:00:00\n", "all zeroes");
	expect_error("[guest g]\nmac = 02:00:00:00:00\n", "mac must be");
	expect_error("[guest g]\nrate-pps = 5X\n", "rate-pps must be");
	expect_error("[guest g]\nqueues = 17\n", "queues must be 1..16");
	expect_error("[guest g]\nlcores = a\n", "lcores must be");
	expect_error("[guest g]\nanti-spoof = maybe\n", "anti-spoof must be");
	/* cross-checks, at the line that set the value */
	expect_error("[tenant t]\n[guest g]\n", "t.conf:2: [guest g]: no "
		     "tenant");
	expect_error("[tenant t]\n[guest g]\ntenant = u\n", "t.conf:3: [guest "
		     "g]: unknown tenant 'u'");
	expect_error("[tenant a]\nvlan=5\n[tenant b]\nvlan=5\n",
		     "t.conf:3: [tenant b]: vlan 5 is also tenant 'a''s "
		     "(line 1)");
	expect_error("[tenant t]\n[guest a]\ntenant=t\nmac=02:00:00:00:00:01\n"
		     "[guest b]\ntenant=t\nmac=02:00:00:00:00:01\n",
		     "t.conf:7: [guest b]: mac is also guest 'a''s");
	expect_error("[tenant t]\n[guest a]\ntenant=t\nsocket=/s\n[guest b]\n"
		     "tenant=t\nsocket=/s\n", "t.conf:5: [guest b]: socket /s");
	expect_error("[tenant t]\n[guest a]\ntenant=t\nqueues=1\nlcores=1,2\n",
		     "t.conf:5: [guest a]: 2 lcores for 1 queues");
	expect_error("[tenant t]\nvlan=3\n[uplink u]\ntenants=t\n",
		     "t.conf:3: [uplink u]: give exactly one of devargs");
	expect_error("[tenant t]\n[uplink u]\ndevargs=net_tap0\ntenants=t\n",
		     "t.conf:4: [uplink u]: tenant 't' has no vlan");
	expect_error("[tenant t]\nvlan=3\n[uplink u]\ndevargs=net_tap0\n"
		     "tenants=t,x\n", "t.conf:5: [uplink u]: unknown tenant "
		     "'x'");
	expect_error("[tenant t]\n[uplink u]\ndevargs=net_tap0\n",
		     "[uplink u]: no tenant with a vlan");
	expect_error("[global]\ndefault-tenant = z\n", "t.conf:2: [global]: "
		     "default-tenant 'z' has no [tenant] section");
	expect_error("[tenant t]\nvlan=2\n[guest x]\ntenant=t\n[uplink x]\n"
		     "devargs=net_tap0\n", "t.conf:5: [uplink x]: the name is "
		     "also a guest's");
}

/* Xen guests: found in xenstore, attached with transport=xen devargs. */
static void
test_xen(void)
{
	char err[512], da[256];

	CHECK(load("[tenant t]\n[guest vm5]\ntenant = t\nxen-domid = 5\n"
		   "xen-devid = 1\n", err, sizeof(err)) == 0, "xen guest: %s",
	      err);
	CHECK(cfg.guests[0].xen && cfg.guests[0].socket[0] == '\0',
	      "a xen guest has no socket");
	CHECK(ds_config_guest_devargs(&cfg, &cfg.guests[0], da,
				      sizeof(da)) == 0 &&
	      !strcmp(da, "net_xenshm_port_vm5,transport=xen,domid=5,devid=1"),
	      "xen devargs '%s'", da);
	expect_error("[tenant t]\n[guest g]\ntenant=t\nxen-domid=5\n"
		     "socket=/s\n", "t.conf:2: [guest g]: xen-domid/xen-devid "
		     "(Xen transport) and socket/devargs exclude each other");
	expect_error("[tenant t]\n[guest a]\ntenant=t\nxen-domid=5\n"
		     "[guest b]\ntenant=t\nxen-domid=5\n",
		     "t.conf:5: [guest b]: Xen device 5/0 is also guest 'a''s");
	expect_error("[guest g]\nxen-domid = 40000\n", "xen-domid must be");
	expect_error("[guest g]\nxen-devid = 256\n", "xen-devid must be");
}

static void
test_values(void)
{
	uint8_t mac[6];
	uint64_t v;

	CHECK(ds_parse_mac("AA-bb-CC-dd-EE-ff", mac) == 0 && mac[0] == 0xaa &&
	      mac[5] == 0xff, "mac with dashes");
	CHECK(ds_parse_mac("aa:bb:cc:dd:ee:fg", mac) != 0, "bad hex");
	CHECK(ds_parse_mac("aa:bb:cc:dd:ee:ff:00", mac) != 0, "too long");
	CHECK(ds_parse_u64("10M", &v, true) == 0 && v == 10000000, "10M");
	CHECK(ds_parse_u64("10M", &v, false) != 0, "suffix not allowed");
	CHECK(ds_parse_u64("99999999999999999999", &v, false) != 0,
	      "overflow");
	CHECK(ds_parse_u64("20000000000G", &v, true) != 0, "overflow * G");
	CHECK(ds_parse_u64("", &v, false) != 0 &&
	      ds_parse_u64("-1", &v, false) != 0, "empty / negative");
	CHECK(ds_name_ok("vm_1") && !ds_name_ok("vm-1") && !ds_name_ok("") &&
	      !ds_name_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "names");
}

int
main(void)
{
	test_good();
	test_overrides();
	test_errors();
	test_xen();
	test_values();
	if (failures != 0) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("config: all checks passed\n");
	return 0;
}
