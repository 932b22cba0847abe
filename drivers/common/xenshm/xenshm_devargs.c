/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * devargs helpers for both probes.  Every error names the key and the
 * value, so "net_xenshm0,ring-size=1000" fails with a sentence rather
 * than a bare -EINVAL.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_kvargs.h>

#include "xenshm_common.h"

#define DLOG(lt, level, drv, fmt, ...)					\
	rte_log(RTE_LOG_ ## level, lt, "%s: " fmt "\n", drv, ##__VA_ARGS__)

/*
 * Parse 'args' and reject any key outside 'valid' (rte_kvargs_parse with
 * a key list would refuse it without saying which), and any key given
 * twice.
 */
struct rte_kvargs *
xenshm_kvargs_parse(int logtype, const char *drv, const char *args,
		    const char *const valid[])
{
	struct rte_kvargs *kv;
	unsigned int i, j;

	kv = rte_kvargs_parse(args != NULL ? args : "", NULL);
	if (kv == NULL) {
		DLOG(logtype, ERR, drv, "cannot parse devargs '%s' "
		     "(expected key=value,key=value,...)", args);
		return NULL;
	}
	for (i = 0; i < kv->count; i++) {
		const char *key = kv->pairs[i].key;

		for (j = 0; valid[j] != NULL; j++)
			if (strcmp(key, valid[j]) == 0)
				break;
		if (valid[j] == NULL) {
			DLOG(logtype, ERR, drv, "unknown devarg '%s'", key);
			goto fail;
		}
		if (kv->pairs[i].value == NULL) {
			DLOG(logtype, ERR, drv, "devarg '%s' needs a value "
			     "(%s=...)", key, key);
			goto fail;
		}
		if (rte_kvargs_count(kv, key) > 1) {
			DLOG(logtype, ERR, drv, "devarg '%s' given twice", key);
			goto fail;
		}
	}
	return kv;
fail:
	rte_kvargs_free(kv);
	return NULL;
}

static const char *
kv_get(struct rte_kvargs *kv, const char *key)
{
	unsigned int i;

	for (i = 0; i < kv->count; i++)
		if (strcmp(kv->pairs[i].key, key) == 0)
			return kv->pairs[i].value;
	return NULL;
}

/* Unsigned decimal (or 0x hex) in min..max; 1 if absent, 0 if set. */
int
xenshm_kv_u32(int logtype, const char *drv, struct rte_kvargs *kv,
	      const char *key, uint32_t min, uint32_t max, uint32_t *out)
{
	const char *v = kv_get(kv, key);
	unsigned long long n;
	char *end;

	if (v == NULL)
		return 1;
	errno = 0;
	n = strtoull(v, &end, 0);
	if (v[0] == '\0' || v[0] == '-' || *end != '\0' || errno != 0 ||
	    n < min || n > max) {
		DLOG(logtype, ERR, drv, "invalid %s=%s: expected a number in "
		     "%u..%u", key, v, min, max);
		return -EINVAL;
	}
	*out = (uint32_t)n;
	return 0;
}

int
xenshm_kv_mac(int logtype, const char *drv, struct rte_kvargs *kv,
	      const char *key, struct rte_ether_addr *out, bool *given)
{
	const char *v = kv_get(kv, key);

	*given = false;
	if (v == NULL)
		return 0;
	if (rte_ether_unformat_addr(v, out) != 0) {
		DLOG(logtype, ERR, drv, "invalid %s=%s: expected "
		     "xx:xx:xx:xx:xx:xx", key, v);
		return -EINVAL;
	}
	if (!rte_is_unicast_ether_addr(out)) {
		DLOG(logtype, ERR, drv, "invalid %s=%s: not a unicast "
		     "address", key, v);
		return -EINVAL;
	}
	*given = true;
	return 0;
}

/* A non-empty string shorter than out_len; 1 if absent, 0 if set. */
int
xenshm_kv_str(int logtype, const char *drv, struct rte_kvargs *kv,
	      const char *key, char *out, size_t out_len)
{
	const char *v = kv_get(kv, key);

	if (v == NULL)
		return 1;
	if (v[0] == '\0' || strlen(v) >= out_len) {
		DLOG(logtype, ERR, drv, "invalid %s=%s: expected 1..%zu "
		     "characters", key, v, out_len - 1);
		return -EINVAL;
	}
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

int
xenshm_kv_transport(int logtype, const char *drv, struct rte_kvargs *kv,
		    enum shmring_transport_kind *out)
{
	const char *v = kv_get(kv, "transport");

	*out = SHMRING_TRANSPORT_HOST;
	if (v == NULL || strcmp(v, "host") == 0)
		return 0;
	if (strcmp(v, "xen") == 0) {
#ifdef SHMRING_HAVE_XEN
		*out = SHMRING_TRANSPORT_XEN;
		return 0;
#else
		DLOG(logtype, ERR, drv, "transport=xen: this build has no Xen "
		     "transport (libxen-dev was missing when xenshm was "
		     "built); use transport=host or rebuild");
		return -ENOTSUP;
#endif
	}
	DLOG(logtype, ERR, drv, "invalid transport=%s: expected host or xen",
	     v);
	return -EINVAL;
}

/*
 * tx-full=drop|backpressure: what tx does when the peer's ring is full.
 * *drop keeps the caller's default when the key is absent.
 */
int
xenshm_kv_tx_full(int logtype, const char *drv, struct rte_kvargs *kv,
		  bool *drop)
{
	const char *v = kv_get(kv, XENSHM_KEY_TX_FULL);

	if (v == NULL)
		return 0;
	if (strcmp(v, "drop") == 0 || strcmp(v, "backpressure") == 0) {
		*drop = v[0] == 'd';
		return 0;
	}
	DLOG(logtype, ERR, drv, "invalid %s=%s: expected drop or "
	     "backpressure", XENSHM_KEY_TX_FULL, v);
	return -EINVAL;
}

/* speed=<Mbps>: the link speed to report; *mbps keeps its default. */
int
xenshm_kv_speed(int logtype, const char *drv, struct rte_kvargs *kv,
		uint32_t *mbps)
{
	/* Up to 400 Gbit/s (DPDK 22.11 names speeds up to 200G only). */
	return xenshm_kv_u32(logtype, drv, kv, XENSHM_KEY_SPEED, 1, 400000,
			     mbps) < 0 ? -EINVAL : 0;
}
