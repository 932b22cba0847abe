/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Unit test of MAC ownership (ds_owner.c): the rules of a learn-first
 * claim (docs/doms-switch.md, "Security model"), the owned keys the
 * workers consult, and the pins' state file, which is read as hostile
 * input.  No DPDK.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ds_config.h"
#include "ds_owner.h"
#include "ds_check.h"

/*
 * Tenants red (0) and blue (1).  s: strict 02::01 in red; s2: strict
 * 02::01 in blue (same MAC, other tenant); l, v: learn-first in red;
 * o: anti-spoof=no in red with a mac= (which owns nothing).
 */
static const char conf_text[] =
	"[global]\n"
	"guest-dir = /run/g\n"
	"default-tenant = blue\n"
	"[tenant red]\n"
	"[tenant blue]\n"
	"[guest s]\ntenant = red\nmac = 02:00:00:00:00:01\n"
	"[guest s2]\ntenant = blue\nmac = 02:00:00:00:00:01\n"
	"[guest l]\ntenant = red\n"
	"[guest v]\ntenant = red\nmac = learn\n"
	"[guest o]\ntenant = red\nanti-spoof = no\nmac = 02:00:00:00:00:0e\n";

#define RED	0
#define BLUE	1
#define M_S	0x020000000001ull
#define M_O	0x02000000000eull
#define M_V	0x020000000022ull
#define M_GW	0x0200000000ffull

static struct ds_config cfg;

static void
load_conf(void)
{
	char err[256];

	ds_config_init(&cfg);
	if (ds_config_parse_string(&cfg, conf_text, "t.conf", err,
				   sizeof(err)) != 0 ||
	    ds_config_validate(&cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "config: %s\n", err);
		exit(1);
	}
}

/* One test per rule of the security model about claims. */
static void
test_claim_rules(void)
{
	struct ds_pins pins;

	memset(&pins, 0, sizeof(pins));
	/* multicast, zero */
	CHECK(ds_claim_decide(&cfg, &pins, "l", RED, 0x010000000001ull,
			      DS_FDB_OWNER_NONE) == DS_CLAIM_BAD_MAC, "mcast");
	CHECK(ds_claim_decide(&cfg, &pins, "l", RED, 0,
			      DS_FDB_OWNER_NONE) == DS_CLAIM_BAD_MAC, "zero");
	/* a strict guest's mac=, attached or not: never claimable */
	CHECK(ds_claim_decide(&cfg, &pins, "l", RED, M_S,
			      DS_FDB_OWNER_NONE) == DS_CLAIM_CONFIGURED,
	      "configured MAC of an absent guest");
	CHECK(ds_claim_decide(&cfg, &pins, "l", RED, M_S,
			      DS_FDB_OWNER_OTHER) == DS_CLAIM_CONFIGURED,
	      "configured MAC of an attached guest");
	/* ... but only in its tenant */
	CHECK(ds_config_mac_owner(&cfg, BLUE, M_S) == 1 &&
	      ds_config_mac_owner(&cfg, RED, M_S) == 0, "owner per tenant");
	CHECK(ds_claim_decide(&cfg, &pins, "dyn", BLUE, M_S,
			      DS_FDB_OWNER_NONE) == DS_CLAIM_CONFIGURED,
	      "blue's configured MAC");
	/* mac= with anti-spoof=no owns nothing: it is not policed */
	CHECK(ds_config_mac_owner(&cfg, RED, M_O) < 0, "o owns nothing");
	CHECK(ds_claim_decide(&cfg, &pins, "l", RED, M_O,
			      DS_FDB_OWNER_NONE) == DS_CLAIM_GRANTED,
	      "anti-spoof=no mac= is no ownership");
	/* ... though its MAC in the FDB is someone's */
	CHECK(ds_claim_decide(&cfg, &pins, "l", RED, M_O,
			      DS_FDB_OWNER_OTHER) == DS_CLAIM_KNOWN,
	      "anti-spoof=no guest's learnt MAC");
	/* a MAC known on another live port (uplink host, a guest) */
	CHECK(ds_claim_decide(&cfg, &pins, "l", RED, M_GW,
			      DS_FDB_OWNER_OTHER) == DS_CLAIM_KNOWN,
	      "gateway behind the uplink");
	CHECK(ds_claim_decide(&cfg, &pins, "l", RED, M_GW,
			      DS_FDB_OWNER_SELF) == DS_CLAIM_GRANTED,
	      "own entry");
	CHECK(ds_claim_decide(&cfg, &pins, "l", RED, M_GW,
			      DS_FDB_OWNER_NONE) == DS_CLAIM_GRANTED,
	      "unknown MAC");
	/* another guest's pin, attached or restored and waiting */
	CHECK(ds_pins_set(&pins, "v", RED, M_V) == 0, "pin v");
	CHECK(ds_claim_decide(&cfg, &pins, "l", RED, M_V,
			      DS_FDB_OWNER_NONE) == DS_CLAIM_PINNED,
	      "v's pin, v not attached (the restart race)");
	CHECK(ds_claim_decide(&cfg, &pins, "l", RED, M_V,
			      DS_FDB_OWNER_OTHER) == DS_CLAIM_PINNED,
	      "v's pin, v attached");
	CHECK(ds_claim_decide(&cfg, &pins, "v", RED, M_V,
			      DS_FDB_OWNER_NONE) == DS_CLAIM_GRANTED,
	      "v's own pin");
	/* the same MAC in another tenant is another key */
	CHECK(ds_claim_decide(&cfg, &pins, "dyn", BLUE, M_V,
			      DS_FDB_OWNER_NONE) == DS_CLAIM_GRANTED,
	      "v's MAC in blue");
	CHECK(strcmp(ds_claim_str(DS_CLAIM_KNOWN), "?") != 0, "names");
}

static void
test_pins(void)
{
	static struct ds_pins pins;
	char name[DS_NAME_MAX];
	int i;

	memset(&pins, 0, sizeof(pins));
	CHECK(ds_pins_set(&pins, "v", RED, M_V) == 0, "set");
	CHECK(ds_pins_set(&pins, "l", RED, M_V) == -EEXIST,
	      "a MAC has one owner");
	CHECK(ds_pins_set(&pins, "l", BLUE, M_V) == 0, "other tenant");
	CHECK(ds_pins_set(&pins, "v", RED, M_GW) == 0 && pins.n == 2 &&
	      ds_pins_by_mac(&pins, RED, M_V) < 0 &&
	      ds_pins_by_guest(&pins, "v") >= 0, "re-pin replaces");
	ds_pins_del(&pins, ds_pins_by_guest(&pins, "v"));
	CHECK(pins.n == 1 && ds_pins_by_guest(&pins, "v") < 0 &&
	      ds_pins_by_guest(&pins, "l") == 0, "delete");
	ds_pins_del(&pins, 7);
	CHECK(pins.n == 1, "delete out of range is a no-op");
	for (i = 1; i < DS_PINS_MAX; i++) {
		snprintf(name, sizeof(name), "g%d", i);
		CHECK(ds_pins_set(&pins, name, RED, 0x020000100000ull + i) ==
		      0, "fill %d", i);
	}
	CHECK(ds_pins_set(&pins, "one_more", RED, 0x020000200000ull) ==
	      -ENOSPC, "full");
}

static void
test_owned_keys(void)
{
	struct ds_pins pins;
	uint64_t k[64];
	uint32_t n, i;

	memset(&pins, 0, sizeof(pins));
	ds_pins_set(&pins, "v", RED, M_V);
	ds_pins_set(&pins, "dyn", BLUE, M_GW);
	n = ds_owned_keys(&cfg, &pins, k, 64);
	/* s, s2 (strict) and two pins; not o (anti-spoof=no) */
	CHECK(n == 4, "owned keys %u", n);
	for (i = 1; i < n; i++)
		CHECK(k[i - 1] < k[i], "sorted, unique");
	CHECK(ds_keys_has(k, n, DS_OWNER_KEY(RED, M_S)) &&
	      ds_keys_has(k, n, DS_OWNER_KEY(BLUE, M_S)) &&
	      ds_keys_has(k, n, DS_OWNER_KEY(RED, M_V)) &&
	      ds_keys_has(k, n, DS_OWNER_KEY(BLUE, M_GW)), "has");
	CHECK(!ds_keys_has(k, n, DS_OWNER_KEY(RED, M_O)) &&
	      !ds_keys_has(k, n, DS_OWNER_KEY(BLUE, M_V)) &&
	      !ds_keys_has(k, n, DS_OWNER_KEY(RED, M_GW)) &&
	      !ds_keys_has(k, 0, DS_OWNER_KEY(RED, M_S)), "has not");
	CHECK(ds_owned_keys(&cfg, &pins, k, 2) == 2, "bounded by max");
}

/* Parse text; returns refused lines, why in the caller's buffer. */
static int
parse(const char *text, struct ds_pins *pins, char *why, size_t len)
{
	return ds_pins_parse(text, strlen(text), &cfg, pins, why, len);
}

static void
refused(const char *text, const char *want)
{
	static struct ds_pins pins;
	char why[256];
	int r = parse(text, &pins, why, sizeof(why));

	CHECK(r == 1 && pins.n == 0 && strstr(why, want) != NULL,
	      "'%s': refused %d, %d pins, why '%s', wanted '%s'", text, r,
	      pins.n, why, want);
}

static void
test_parse(void)
{
	static struct ds_pins pins;
	static char big[DS_PINS_MAX * 40 + 64];
	char why[256];
	size_t o = 0;
	int r, i;

	r = parse("# comment\n\n  \t\nv red 02:00:00:00:00:22\n"
		  "dyn blue 02-00-00-00-00-ff", &pins, why, sizeof(why));
	CHECK(r == 0 && pins.n == 2, "good file: %d refused (%s), %d pins",
	      r, why, pins.n);
	CHECK(pins.pin[0].tenant == RED && pins.pin[0].mac48 == M_V &&
	      pins.pin[0].waiting && !strcmp(pins.pin[0].guest, "v"),
	      "pin 0");
	CHECK(pins.pin[1].tenant == BLUE && pins.pin[1].mac48 == M_GW,
	      "pin 1: no section, default tenant, no trailing newline");

	refused("v red\n", "not 'GUEST TENANT MAC'");
	refused("v red 02:00:00:00:00:22 extra\n", "not 'GUEST TENANT MAC'");
	refused("v-1 red 02:00:00:00:00:22\n", "bad guest or tenant name");
	refused("v green 02:00:00:00:00:22\n", "no tenant green");
	refused("v red 02:00:00:00:00\n", "bad MAC");
	refused("v red 03:00:00:00:00:22\n", "not a unicast MAC");
	refused("v red 00:00:00:00:00:00\n", "not a unicast MAC");
	/* the file cannot move a guest, or pin a guest that is not
	 * learn-first, or hand out a configured MAC */
	refused("v blue 02:00:00:00:00:22\n", "not a learn-first guest");
	refused("s red 02:00:00:00:00:22\n", "not a learn-first guest");
	refused("o red 02:00:00:00:00:22\n", "not a learn-first guest");
	refused("stranger red 02:00:00:00:00:22\n", "not the default tenant");
	refused("l red 02:00:00:00:00:01\n", "configured for another guest");
	memset(big, 'x', 200);
	memcpy(big + 200, "\n", 2);
	refused(big, "too long");
	CHECK(ds_pins_parse("v red\0 02:00:00:00:00:22\n", 25, &cfg, &pins,
			    why, sizeof(why)) == 1 && pins.n == 0 &&
	      strstr(why, "binary") != NULL, "NUL byte: %s", why);

	r = parse("v red 02:00:00:00:00:22\nl red 02:00:00:00:00:22\n"
		  "v red 02:00:00:00:00:23\n", &pins, why, sizeof(why));
	CHECK(r == 2 && pins.n == 1 && !strcmp(pins.pin[0].guest, "v") &&
	      strstr(why, "line 2") != NULL, "duplicates: first wins, %d "
	      "refused, %s", r, why);

	/* at most DS_PINS_MAX pins, whatever the file says */
	for (i = 0; i <= DS_PINS_MAX; i++)
		o += snprintf(big + o, sizeof(big) - o,
			      "d%d blue 02:00:00:01:%02x:%02x\n", i, i >> 8,
			      i & 0xff);
	r = ds_pins_parse(big, o, &cfg, &pins, why, sizeof(why));
	CHECK(r == 1 && pins.n == DS_PINS_MAX, "bounded: %d refused, %d "
	      "pins", r, pins.n);
}

static void
test_file(void)
{
	static struct ds_pins pins, back;
	char dir[] = "/tmp/ds_owner_XXXXXX";
	char path[128], tmp[160], why[256] = "", buf[256];
	struct stat st;
	size_t n;
	int fd, r;

	if (mkdtemp(dir) == NULL) {
		CHECK(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/pins", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	CHECK(ds_pins_load(path, &cfg, &back, why, sizeof(why)) == -ENOENT,
	      "no file yet");

	memset(&pins, 0, sizeof(pins));
	ds_pins_set(&pins, "v", RED, M_V);
	ds_pins_set(&pins, "l", RED, M_GW);
	n = ds_pins_format(&pins, &cfg, buf, sizeof(buf));
	CHECK(n > 0 && strstr(buf, "v red 02:00:00:00:00:22\n") != NULL &&
	      strstr(buf, "l red 02:00:00:00:00:ff\n") != NULL, "format: %s",
	      buf);
	CHECK(ds_pins_format(&pins, &cfg, buf, 20) == 0, "too small");

	/* a stale temporary file of a crash in the middle of a save */
	fd = open(tmp, O_WRONLY | O_CREAT, 0600);
	CHECK(fd >= 0 && write(fd, "junk", 4) == 4, "stale tmp");
	close(fd);
	CHECK(ds_pins_save(path, &pins, &cfg) == 0, "save");
	CHECK(access(tmp, F_OK) != 0, "no temporary file left");
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	      "mode %o", st.st_mode & 0777);
	r = ds_pins_load(path, &cfg, &back, why, sizeof(why));
	CHECK(r == 0 && back.n == 2 && back.pin[0].waiting &&
	      ds_pins_by_guest(&back, "v") >= 0 &&
	      back.pin[ds_pins_by_guest(&back, "v")].mac48 == M_V,
	      "round trip: %d, %d pins, %s", r, back.n, why);

	/* written by someone else than us, or by anyone: refused whole */
	CHECK(chmod(path, 0620) == 0, "chmod");
	CHECK(ds_pins_load(path, &cfg, &back, why, sizeof(why)) == -EPERM &&
	      back.n == 0, "group-writable refused");
	CHECK(chmod(path, 0602) == 0, "chmod");
	CHECK(ds_pins_load(path, &cfg, &back, why, sizeof(why)) == -EPERM,
	      "world-writable refused");
	CHECK(chmod(path, 0600) == 0, "chmod");
	if (geteuid() == 0) {
		CHECK(chown(path, 65534, 65534) == 0, "chown");
		CHECK(ds_pins_load(path, &cfg, &back, why, sizeof(why)) ==
		      -EPERM, "another owner refused");
		CHECK(chown(path, 0, 0) == 0, "chown back");
	}
	/* a symlink (to a file an attacker controls) is not followed */
	snprintf(tmp, sizeof(tmp), "%s/link", dir);
	CHECK(symlink(path, tmp) == 0, "symlink");
	CHECK(ds_pins_load(tmp, &cfg, &back, why, sizeof(why)) == -ELOOP,
	      "symlink refused");
	unlink(tmp);
	/* a directory, a file too long */
	CHECK(ds_pins_load(dir, &cfg, &back, why, sizeof(why)) < 0,
	      "directory refused");
	CHECK(truncate(path, DS_PINS_FILE_MAX + 1) == 0, "truncate");
	CHECK(ds_pins_load(path, &cfg, &back, why, sizeof(why)) == -EPERM,
	      "oversized refused");
	/* a save replaces it */
	CHECK(ds_pins_save(path, &pins, &cfg) == 0 &&
	      ds_pins_load(path, &cfg, &back, why, sizeof(why)) == 0 &&
	      back.n == 2, "save over an old file");
	/* no directory: an error, not a crash */
	snprintf(tmp, sizeof(tmp), "%s/nodir/pins", dir);
	CHECK(ds_pins_save(tmp, &pins, &cfg) == -ENOENT, "no directory");

	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	load_conf();
	test_claim_rules();
	test_pins();
	test_owned_keys();
	test_parse();
	test_file();
	if (failures != 0) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("owner: all checks passed\n");
	return 0;
}
