/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * MAC ownership: the claim rules and the pins' state file.  Called by the
 * control thread only (under sw->lock), and by the unit tests.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ds_owner.h"

#define MAC_MCAST_BIT	(1ull << 40)	/* I/G bit of the first octet */
#define LINE_MAX_LEN	128
#define FILE_HEADER	"# doms-switch learn-first MAC pins: GUEST TENANT MAC\n"

const char *
ds_claim_str(enum ds_claim c)
{
	switch (c) {
	case DS_CLAIM_GRANTED:
		return "granted";
	case DS_CLAIM_BAD_MAC:
		return "not a unicast MAC";
	case DS_CLAIM_CONFIGURED:
		return "configured for another guest";
	case DS_CLAIM_PINNED:
		return "claimed by another guest";
	case DS_CLAIM_KNOWN:
		return "in use on another port";
	}
	return "?";
}

int
ds_pins_by_guest(const struct ds_pins *pins, const char *guest)
{
	int i;

	for (i = 0; i < pins->n; i++)
		if (!strcmp(pins->pin[i].guest, guest))
			return i;
	return -1;
}

int
ds_pins_by_mac(const struct ds_pins *pins, uint16_t tenant, uint64_t mac48)
{
	int i;

	for (i = 0; i < pins->n; i++)
		if (pins->pin[i].tenant == tenant &&
		    pins->pin[i].mac48 == mac48)
			return i;
	return -1;
}

int
ds_pins_set(struct ds_pins *pins, const char *guest, uint16_t tenant,
	    uint64_t mac48)
{
	int i = ds_pins_by_mac(pins, tenant, mac48);
	struct ds_pin *p;

	if (i >= 0 && strcmp(pins->pin[i].guest, guest) != 0)
		return -EEXIST;
	i = ds_pins_by_guest(pins, guest);
	if (i < 0) {
		if (pins->n == DS_PINS_MAX)
			return -ENOSPC;
		i = pins->n++;
	}
	p = &pins->pin[i];
	memset(p, 0, sizeof(*p));
	snprintf(p->guest, sizeof(p->guest), "%s", guest);
	p->tenant = tenant;
	p->mac48 = mac48;
	return 0;
}

void
ds_pins_del(struct ds_pins *pins, int idx)
{
	if (idx < 0 || idx >= pins->n)
		return;
	pins->pin[idx] = pins->pin[--pins->n];
}

static uint64_t
mac48_of(const uint8_t m[6])
{
	return ((uint64_t)m[0] << 40) | ((uint64_t)m[1] << 32) |
	       ((uint64_t)m[2] << 24) | ((uint64_t)m[3] << 16) |
	       ((uint64_t)m[4] << 8) | m[5];
}

int
ds_config_mac_owner(const struct ds_config *cfg, uint16_t tenant,
		    uint64_t mac48)
{
	int i;

	for (i = 0; i < cfg->n_guests; i++) {
		const struct ds_guest_cfg *g = &cfg->guests[i];

		if (g->spoof == DS_SPOOF_STRICT && g->mac_set &&
		    g->tenant == tenant && mac48_of(g->mac) == mac48)
			return i;
	}
	return -1;
}

enum ds_claim
ds_claim_decide(const struct ds_config *cfg, const struct ds_pins *pins,
		const char *guest, uint16_t tenant, uint64_t mac48,
		enum ds_fdb_owner fdb)
{
	int i;

	if ((mac48 & MAC_MCAST_BIT) || mac48 == 0 || mac48 >> 48)
		return DS_CLAIM_BAD_MAC;
	/* configured ownership holds whether or not its guest is attached */
	i = ds_config_mac_owner(cfg, tenant, mac48);
	if (i >= 0 && strcmp(cfg->guests[i].name, guest) != 0)
		return DS_CLAIM_CONFIGURED;
	/* so does a claim: restored pins wait for their guests */
	i = ds_pins_by_mac(pins, tenant, mac48);
	if (i >= 0)
		return strcmp(pins->pin[i].guest, guest) != 0 ?
		       DS_CLAIM_PINNED : DS_CLAIM_GRANTED;
	/* a MAC seen on another port is someone's: a host behind the
	 * uplink, an anti-spoof=no guest's, a guest that moved */
	if (fdb == DS_FDB_OWNER_OTHER)
		return DS_CLAIM_KNOWN;
	return DS_CLAIM_GRANTED;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint32_t
ds_owned_keys(const struct ds_config *cfg, const struct ds_pins *pins,
	      uint64_t *out, uint32_t max)
{
	uint32_t n = 0, i, k;
	int j;

	for (j = 0; j < cfg->n_guests && n < max; j++) {
		const struct ds_guest_cfg *g = &cfg->guests[j];

		if (g->spoof == DS_SPOOF_STRICT && g->mac_set)
			out[n++] = DS_OWNER_KEY(g->tenant, mac48_of(g->mac));
	}
	for (j = 0; j < pins->n && n < max; j++)
		out[n++] = DS_OWNER_KEY(pins->pin[j].tenant,
					pins->pin[j].mac48);
	if (n == 0)
		return 0;
	qsort(out, n, sizeof(*out), cmp_u64);
	for (i = 1, k = 1; i < n; i++)
		if (out[i] != out[k - 1])
			out[k++] = out[i];
	return k;
}

/* ---- the state file ---------------------------------------------------- */

size_t
ds_pins_format(const struct ds_pins *pins, const struct ds_config *cfg,
	       char *buf, size_t len)
{
	size_t o;
	int i, r;

	r = snprintf(buf, len, FILE_HEADER);
	if (r < 0 || (size_t)r >= len)
		return 0;
	o = (size_t)r;
	for (i = 0; i < pins->n; i++) {
		const struct ds_pin *p = &pins->pin[i];
		uint64_t m = p->mac48;

		if (p->tenant >= cfg->n_tenants)
			continue;
		r = snprintf(buf + o, len - o,
			     "%s %s %02x:%02x:%02x:%02x:%02x:%02x\n", p->guest,
			     cfg->tenants[p->tenant].name,
			     (unsigned int)(m >> 40) & 0xff,
			     (unsigned int)(m >> 32) & 0xff,
			     (unsigned int)(m >> 24) & 0xff,
			     (unsigned int)(m >> 16) & 0xff,
			     (unsigned int)(m >> 8) & 0xff,
			     (unsigned int)m & 0xff);
		if (r < 0 || (size_t)r >= len - o)
			return 0;
		o += (size_t)r;
	}
	return o;
}

/* One line "GUEST TENANT MAC"; 0 or -1 with the reason in why. */
static int
parse_line(char *line, const struct ds_config *cfg, struct ds_pins *pins,
	   char *why, size_t why_len)
{
	char *f[4], *save = NULL;
	uint8_t mac[6];
	uint64_t m48;
	int n = 0, t, g;

	for (f[n] = strtok_r(line, " \t", &save); f[n] != NULL && n < 3;
	     f[n] = strtok_r(NULL, " \t", &save))
		n++;
	if (n != 3 || f[3] != NULL) {
		snprintf(why, why_len, "not 'GUEST TENANT MAC'");
		return -1;
	}
	if (!ds_name_ok(f[0]) || !ds_name_ok(f[1])) {
		snprintf(why, why_len, "bad guest or tenant name");
		return -1;
	}
	t = ds_config_tenant(cfg, f[1]);
	if (t < 0) {
		snprintf(why, why_len, "%s: no tenant %s", f[0], f[1]);
		return -1;
	}
	if (ds_parse_mac(f[2], mac) != 0) {
		snprintf(why, why_len, "%s: bad MAC", f[0]);
		return -1;
	}
	m48 = mac48_of(mac);
	if ((m48 & MAC_MCAST_BIT) || m48 == 0) {
		snprintf(why, why_len, "%s: not a unicast MAC", f[0]);
		return -1;
	}
	/* a guest's tenant and mode come from the configuration only */
	g = ds_config_guest(cfg, f[0]);
	if (g >= 0 && (cfg->guests[g].spoof != DS_SPOOF_LEARN_FIRST ||
		       cfg->guests[g].tenant != t)) {
		snprintf(why, why_len, "%s: not a learn-first guest of "
			 "tenant %s", f[0], f[1]);
		return -1;
	}
	if (g < 0 && strcmp(cfg->global.default_tenant, f[1]) != 0) {
		snprintf(why, why_len, "%s: no [guest] section and %s is "
			 "not the default tenant", f[0], f[1]);
		return -1;
	}
	if (ds_config_mac_owner(cfg, (uint16_t)t, m48) >= 0) {
		snprintf(why, why_len, "%s: MAC %s is configured for another "
			 "guest", f[0], f[2]);
		return -1;
	}
	if (ds_pins_by_guest(pins, f[0]) >= 0 ||
	    ds_pins_by_mac(pins, (uint16_t)t, m48) >= 0) {
		snprintf(why, why_len, "%s: guest or MAC listed twice", f[0]);
		return -1;
	}
	if (ds_pins_set(pins, f[0], (uint16_t)t, m48) != 0) {
		snprintf(why, why_len, "more than %d pins", DS_PINS_MAX);
		return -1;
	}
	pins->pin[pins->n - 1].waiting = true;
	return 0;
}

int
ds_pins_parse(const char *text, size_t len, const struct ds_config *cfg,
	      struct ds_pins *pins, char *why, size_t why_len)
{
	char line[LINE_MAX_LEN + 1], lwhy[128];
	size_t o = 0;
	int refused = 0, lineno = 0;

	memset(pins, 0, sizeof(*pins));
	if (why_len > 0)
		why[0] = '\0';
	while (o < len) {
		const char *nl = memchr(text + o, '\n', len - o);
		size_t l = nl != NULL ? (size_t)(nl - (text + o)) : len - o;
		size_t i;

		lineno++;
		if (l > LINE_MAX_LEN || memchr(text + o, '\0', l) != NULL) {
			snprintf(lwhy, sizeof(lwhy), "too long or binary");
			goto refuse;
		}
		memcpy(line, text + o, l);
		line[l] = '\0';
		for (i = 0; i < l; i++)
			if (line[i] != ' ' && line[i] != '\t')
				break;
		if (i == l || line[i] == '#')
			goto next;
		if (parse_line(line, cfg, pins, lwhy, sizeof(lwhy)) == 0)
			goto next;
refuse:
		if (refused++ == 0 && why_len > 0)
			snprintf(why, why_len, "line %d: %s", lineno, lwhy);
next:
		o += l + 1;
	}
	return refused;
}

int
ds_pins_load(const char *path, const struct ds_config *cfg,
	     struct ds_pins *pins, char *why, size_t why_len)
{
	struct stat st;
	char *text;
	ssize_t n;
	size_t got = 0;
	int fd, rc;

	memset(pins, 0, sizeof(*pins));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	/* whoever else could write it could hand MACs to an attacker */
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 ||
	    st.st_size > DS_PINS_FILE_MAX) {
		snprintf(why, why_len, "not a regular file of ours, writable "
			 "by others, or longer than %d bytes",
			 DS_PINS_FILE_MAX);
		close(fd);
		return -EPERM;
	}
	text = malloc(DS_PINS_FILE_MAX + 1);
	if (text == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while (got <= DS_PINS_FILE_MAX &&
	       (n = read(fd, text + got, DS_PINS_FILE_MAX + 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (got > DS_PINS_FILE_MAX) {
		snprintf(why, why_len, "longer than %d bytes",
			 DS_PINS_FILE_MAX);
		free(text);
		return -EFBIG;
	}
	rc = ds_pins_parse(text, got, cfg, pins, why, why_len);
	free(text);
	return rc;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
ds_pins_save(const char *path, const struct ds_pins *pins,
	     const struct ds_config *cfg)
{
	char tmp[4096];
	char *text;
	size_t len;
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	text = malloc(DS_PINS_FILE_MAX);
	if (text == NULL)
		return -ENOMEM;
	len = ds_pins_format(pins, cfg, text, DS_PINS_FILE_MAX);
	if (len == 0) {
		free(text);
		return -EFBIG;
	}
	/* a leftover of a crash in the middle of the last save */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		rc = -errno;
		free(text);
		return rc;
	}
	rc = write_all(fd, text, len);
	free(text);
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	/* readers see the old file or the new one, never a part */
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}
