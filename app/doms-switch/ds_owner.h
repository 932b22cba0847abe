/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * MAC ownership: which guest may send from which MAC (docs/doms-switch.md,
 * "Security model").  Plain C, no DPDK, so that the unit tests can drive
 * every rule without an EAL.
 *
 * A guest owns a MAC either by configuration (mac=, anti-spoof strict) or
 * by a learn-first claim: its first unicast source, granted by the control
 * thread only when nobody else in the tenant has or had it (configured for
 * another guest, claimed by another guest, in the FDB on another live
 * port, including hosts behind an uplink).  Claims are pins: they are kept
 * in a small state file so that a restarted doms-switch knows them before
 * the first frame arrives, which is what closes the post-restart race
 * (an attacker that pre-filled its ring would otherwise claim a quiet
 * victim's MAC before the victim sends again).
 */

#ifndef DS_OWNER_H
#define DS_OWNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ds_config.h"

#define DS_PINS_MAX		256	/* one per port at most */
#define DS_PINS_FILE_MAX	65536	/* bytes; longer files are refused */

/* The FDB key of (tenant, MAC): the same layout as DS_FDB_KEY(). */
#define DS_OWNER_KEY(tenant, mac48) \
	(((uint64_t)(tenant) << 48) | ((mac48) & 0xffffffffffffull))

/* A learn-first guest's claimed MAC. */
struct ds_pin {
	char guest[DS_NAME_MAX];
	uint16_t tenant;	/* index into ds_config.tenants */
	uint64_t mac48;
	/* restored from the state file and its guest has no port yet */
	bool waiting;
	uint64_t expires;	/* waiting: released at this time, 0: unarmed */
};

struct ds_pins {
	int n;
	struct ds_pin pin[DS_PINS_MAX];
};

/* What the FDB says about a MAC a guest claims. */
enum ds_fdb_owner {
	DS_FDB_OWNER_NONE = 0,	/* unknown, or the entry of a port that left */
	DS_FDB_OWNER_SELF,	/* an entry of the claiming port */
	DS_FDB_OWNER_OTHER,	/* static or dynamic, on another live port */
};

enum ds_claim {
	DS_CLAIM_GRANTED = 0,
	DS_CLAIM_BAD_MAC,	/* multicast or zero */
	DS_CLAIM_CONFIGURED,	/* another guest's mac= in the tenant */
	DS_CLAIM_PINNED,	/* another guest's claim (attached or not) */
	DS_CLAIM_KNOWN,		/* in the FDB on another live port */
};

const char *ds_claim_str(enum ds_claim c);

/* Index of a pin, or -1. */
int ds_pins_by_guest(const struct ds_pins *pins, const char *guest);
int ds_pins_by_mac(const struct ds_pins *pins, uint16_t tenant,
		   uint64_t mac48);

/*
 * Pin guest's MAC (replacing its previous pin).  -EEXIST: another guest
 * holds (tenant, mac); -ENOSPC: full.
 */
int ds_pins_set(struct ds_pins *pins, const char *guest, uint16_t tenant,
		uint64_t mac48);
void ds_pins_del(struct ds_pins *pins, int idx);

/* The configured guest whose mac= (strict) is (tenant, mac), or -1. */
int ds_config_mac_owner(const struct ds_config *cfg, uint16_t tenant,
			uint64_t mac48);

/* The rules of a learn-first claim, in order; see the docs. */
enum ds_claim ds_claim_decide(const struct ds_config *cfg,
			      const struct ds_pins *pins, const char *guest,
			      uint16_t tenant, uint64_t mac48,
			      enum ds_fdb_owner fdb);

/*
 * Every owned (tenant, MAC) key, configured or pinned, sorted and
 * without duplicates, into out[max].  Returns how many.  The workers
 * look frames from not-yet-pinned guests up in it (ds_keys_has).
 */
uint32_t ds_owned_keys(const struct ds_config *cfg,
		       const struct ds_pins *pins, uint64_t *out,
		       uint32_t max);

static inline bool
ds_keys_has(const uint64_t *keys, uint32_t n, uint64_t key)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (keys[mid] == key)
			return true;
		if (keys[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* ---- the state file ---------------------------------------------------- */

/*
 * "GUEST TENANT MAC" lines.  Returns the length written (without NUL),
 * or 0 if len is too small.
 */
size_t ds_pins_format(const struct ds_pins *pins, const struct ds_config *cfg,
		      char *buf, size_t len);

/*
 * Parse a state file's text into pins (emptied first).  The file is
 * treated as hostile: every line is checked against the configuration
 * and refused lines are skipped, never fatal.  Returns the number of
 * lines refused; the first refusal is described in why.
 */
int ds_pins_parse(const char *text, size_t len, const struct ds_config *cfg,
		  struct ds_pins *pins, char *why, size_t why_len);

/*
 * Read and parse a state file.  Refused unless a regular file (no
 * symlink) owned by our effective uid, not group- or world-writable, at
 * most DS_PINS_FILE_MAX bytes.  Returns the number of refused lines, or
 * -errno (-ENOENT: no file, the normal first start).
 */
int ds_pins_load(const char *path, const struct ds_config *cfg,
		 struct ds_pins *pins, char *why, size_t why_len);

/* Write atomically (temporary file, fsync, rename).  0 or -errno. */
int ds_pins_save(const char *path, const struct ds_pins *pins,
		 const struct ds_config *cfg);

#endif /* DS_OWNER_H */
