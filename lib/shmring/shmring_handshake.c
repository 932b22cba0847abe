/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

#include <stdio.h>
#include <string.h>

#include "shmring_handshake.h"
#include "shmring_why.h"

/* Bytes of the body each type defines; the rest of the 112 must be 0. */
static const size_t body_size[] = {
	[SHMRING_MSG_HELLO] = sizeof(struct shmring_msg_hello),
	[SHMRING_MSG_OFFER] = sizeof(struct shmring_msg_offer),
	[SHMRING_MSG_ACCEPT] = sizeof(struct shmring_msg_accept),
	[SHMRING_MSG_REJECT] = sizeof(struct shmring_msg_reject),
};

static const char *const type_name[] = {
	[SHMRING_MSG_HELLO] = "HELLO",
	[SHMRING_MSG_OFFER] = "OFFER",
	[SHMRING_MSG_ACCEPT] = "ACCEPT",
	[SHMRING_MSG_REJECT] = "REJECT",
};

const char *
shmring_msg_type_name(unsigned int type)
{
	if (type < SHMRING_MSG_HELLO || type > SHMRING_MSG_REJECT)
		return "unknown";
	return type_name[type];
}

static void
msg_init(struct shmring_msg *m, unsigned int type)
{
	memset(m, 0, sizeof(*m));
	m->hdr.magic = SHMRING_MSG_MAGIC;
	m->hdr.type = (uint16_t)type;
	m->hdr.version = SHMRING_VERSION;
}

void
shmring_msg_hello(struct shmring_msg *m, const struct shmring_limits *l)
{
	msg_init(m, SHMRING_MSG_HELLO);
	m->u.hello.features = SHMRING_F_KNOWN;
	m->u.hello.max_qp = l->max_qp;
	m->u.hello.max_ring_size = l->max_ring_size;
	m->u.hello.max_slot_size = l->max_slot_size;
	m->u.hello.max_mtu = l->max_mtu;
	m->u.hello.max_region_size = l->max_region_size;
}

void
shmring_msg_offer(struct shmring_msg *m, const struct shmring_params *p,
		  uint64_t region_size, uint32_t guest_epoch)
{
	msg_init(m, SHMRING_MSG_OFFER);
	m->u.offer.features = p->features;
	m->u.offer.n_qp = p->n_qp;
	m->u.offer.ring_size = p->ring_size;
	m->u.offer.slot_size = p->slot_size;
	m->u.offer.mtu = p->mtu;
	m->u.offer.guest_epoch = guest_epoch;
	m->u.offer.region_size = region_size;
}

void
shmring_msg_accept(struct shmring_msg *m, uint32_t doms_epoch)
{
	msg_init(m, SHMRING_MSG_ACCEPT);
	m->u.accept.doms_epoch = doms_epoch;
}

void
shmring_msg_reject(struct shmring_msg *m, int code, const char *reason)
{
	msg_init(m, SHMRING_MSG_REJECT);
	m->u.reject.code = (uint32_t)code;
	if (reason != NULL)
		snprintf(m->u.reject.reason, sizeof(m->u.reject.reason), "%s",
			 reason);
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

int
shmring_msg_decode(const void *buf, size_t len, struct shmring_msg *out,
		   char *why, size_t why_len)
{
	struct shmring_msg *m = out;
	unsigned int type;

	if (len < SHMRING_MSG_SIZE) {
		WHY("control message of %zu bytes, expected %u", len,
		    SHMRING_MSG_SIZE);
		return SHMRING_E_MSG_TRUNCATED;
	}
	if (len > SHMRING_MSG_SIZE) {
		WHY("control message of %zu bytes or more, expected %u", len,
		    SHMRING_MSG_SIZE);
		return SHMRING_E_MSG_BAD;
	}
	/* The only read of 'buf'; everything below looks at the copy. */
	memcpy(m, buf, sizeof(*m));

	if (m->hdr.magic != SHMRING_MSG_MAGIC) {
		WHY("control message magic 0x%08x, expected 0x%08x",
		    m->hdr.magic, SHMRING_MSG_MAGIC);
		return SHMRING_E_MSG_MAGIC;
	}
	type = m->hdr.type;
	if (type < SHMRING_MSG_HELLO || type > SHMRING_MSG_REJECT) {
		WHY("control message of unknown type %u", type);
		return SHMRING_E_MSG_TYPE;
	}
	/* REJECT is readable from any version, so a refusal always shows. */
	if (type != SHMRING_MSG_REJECT && m->hdr.version != SHMRING_VERSION) {
		WHY("peer speaks protocol version %u, this side speaks %u",
		    m->hdr.version, SHMRING_VERSION);
		return SHMRING_E_MSG_VERSION;
	}
	if (m->hdr.rsvd[0] != 0 || m->hdr.rsvd[1] != 0) {
		WHY("%s has non-zero reserved header bytes",
		    shmring_msg_type_name(type));
		return SHMRING_E_MSG_BAD;
	}
	switch (type) {
	case SHMRING_MSG_HELLO:
		if (m->u.hello.rsvd0 != 0 || m->u.hello.rsvd1 != 0)
			goto reserved;
		break;
	case SHMRING_MSG_OFFER:
		if (m->u.offer.rsvd0 != 0)
			goto reserved;
		break;
	case SHMRING_MSG_ACCEPT:
		if (m->u.accept.rsvd0 != 0)
			goto reserved;
		break;
	case SHMRING_MSG_REJECT:
		if (m->u.reject.rsvd0 != 0)
			goto reserved;
		if (memchr(m->u.reject.reason, '\0',
			   sizeof(m->u.reject.reason)) == NULL) {
			WHY("REJECT reason is not NUL-terminated");
			return SHMRING_E_MSG_BAD;
		}
		return SHMRING_OK;
	}
	if (!all_zero(m->u.raw + body_size[type],
		      sizeof(m->u.raw) - body_size[type]))
		goto reserved;
	return SHMRING_OK;

reserved:
	WHY("%s has non-zero reserved bytes", shmring_msg_type_name(type));
	return SHMRING_E_MSG_BAD;
}

int
shmring_msg_expect(const struct shmring_msg *m, unsigned int want,
		   char *why, size_t why_len)
{
	char reason[SHMRING_MSG_REASON_MAX];
	size_t i;

	if (m->hdr.type == want)
		return SHMRING_OK;
	if (m->hdr.type == SHMRING_MSG_REJECT) {
		/* Peer text goes into logs: keep it printable. */
		memcpy(reason, m->u.reject.reason, sizeof(reason));
		for (i = 0; i < sizeof(reason) && reason[i] != '\0'; i++)
			if (reason[i] < 0x20 || reason[i] > 0x7e)
				reason[i] = '?';
		WHY("peer rejected (%s): %s",
		    shmring_errname((int)m->u.reject.code), reason);
		return SHMRING_E_MSG_REJECTED;
	}
	WHY("expected %s, received %s", shmring_msg_type_name(want),
	    shmring_msg_type_name(m->hdr.type));
	return SHMRING_E_MSG_TYPE;
}

int
shmring_hello_check(const struct shmring_msg_hello *h,
		    const struct shmring_params *p, uint64_t region_size,
		    char *why, size_t why_len)
{
	if (p->features & ~h->features) {
		WHY("guest needs features 0x%x, DomS offers only 0x%x",
		    p->features, h->features);
		return SHMRING_E_HDR_FEATURES;
	}
	if (p->n_qp > h->max_qp) {
		WHY("guest has %u queue pairs, DomS accepts at most %u",
		    p->n_qp, h->max_qp);
		return SHMRING_E_HDR_QUEUES;
	}
	if (p->ring_size > h->max_ring_size) {
		WHY("guest ring size %u, DomS accepts at most %u",
		    p->ring_size, h->max_ring_size);
		return SHMRING_E_HDR_RING_SIZE;
	}
	if (p->slot_size > h->max_slot_size) {
		WHY("guest slot size %u, DomS accepts at most %u",
		    p->slot_size, h->max_slot_size);
		return SHMRING_E_HDR_SLOT_SIZE;
	}
	if (p->mtu > h->max_mtu) {
		WHY("guest MTU %u, DomS accepts at most %u", p->mtu,
		    h->max_mtu);
		return SHMRING_E_HDR_MTU;
	}
	if (region_size > h->max_region_size) {
		WHY("guest region of %llu bytes, DomS accepts at most %llu",
		    (unsigned long long)region_size,
		    (unsigned long long)h->max_region_size);
		return SHMRING_E_HDR_SIZE;
	}
	return SHMRING_OK;
}

int
shmring_offer_check(const struct shmring_msg_offer *o,
		    const struct shmring_limits *l,
		    struct shmring_region_info *info, char *why, size_t why_len)
{
	struct shmring_params *p = &info->params;
	char sub[SHMRING_WHY_MAX];
	int rc;

	memset(info, 0, sizeof(*info));
	p->features = o->features;
	p->n_qp = o->n_qp;
	p->ring_size = o->ring_size;
	p->slot_size = o->slot_size;
	p->mtu = o->mtu;

	/* Protocol rules first, then this DomS's own limits. */
	sub[0] = '\0';
	rc = shmring_params_check(p, sub, sizeof(sub));
	if (rc != SHMRING_OK) {
		WHY("guest's offer: %s", sub);
		return rc;
	}
	if (p->n_qp > l->max_qp) {
		WHY("guest offers %u queue pairs, DomS accepts at most %u",
		    p->n_qp, l->max_qp);
		return SHMRING_E_HDR_QUEUES;
	}
	if (p->ring_size > l->max_ring_size) {
		WHY("guest offers ring size %u, DomS accepts at most %u",
		    p->ring_size, l->max_ring_size);
		return SHMRING_E_HDR_RING_SIZE;
	}
	if (p->slot_size > l->max_slot_size) {
		WHY("guest offers slot size %u, DomS accepts at most %u",
		    p->slot_size, l->max_slot_size);
		return SHMRING_E_HDR_SLOT_SIZE;
	}
	if (p->mtu > l->max_mtu) {
		WHY("guest offers MTU %u, DomS accepts at most %u",
		    p->mtu, l->max_mtu);
		return SHMRING_E_HDR_MTU;
	}
	rc = shmring_layout(p, &info->layout);
	if (rc != SHMRING_OK) {
		WHY("guest offers params whose region exceeds %llu bytes",
		    (unsigned long long)SHMRING_MAX_REGION_SIZE);
		return SHMRING_E_HDR_SIZE;
	}
	if (o->region_size != info->layout.region_size) {
		WHY("guest offers a region of %llu bytes, its params need "
		    "exactly %llu", (unsigned long long)o->region_size,
		    (unsigned long long)info->layout.region_size);
		return SHMRING_E_HDR_SIZE;
	}
	if (o->region_size > l->max_region_size) {
		WHY("guest offers a region of %llu bytes, DomS accepts at "
		    "most %llu", (unsigned long long)o->region_size,
		    (unsigned long long)l->max_region_size);
		return SHMRING_E_HDR_SIZE;
	}
	return SHMRING_OK;
}

int
shmring_offer_match(const struct shmring_msg_offer *o,
		    const struct shmring_region_info *h,
		    uint32_t hdr_guest_epoch, char *why, size_t why_len)
{
	const struct shmring_params *p = &h->params;

#define MISMATCH(field, hv, ov) do {					\
		if ((hv) != (ov)) {					\
			WHY("region header says %s %llu, the offer said %llu", \
			    field, (unsigned long long)(hv),		\
			    (unsigned long long)(ov));			\
			return SHMRING_E_HDR_MISMATCH;			\
		}							\
	} while (0)

	MISMATCH("features", p->features, o->features);
	MISMATCH("queue pairs", p->n_qp, o->n_qp);
	MISMATCH("ring size", p->ring_size, o->ring_size);
	MISMATCH("slot size", p->slot_size, o->slot_size);
	MISMATCH("MTU", p->mtu, o->mtu);
	MISMATCH("region size", h->layout.region_size, o->region_size);
	MISMATCH("guest epoch", hdr_guest_epoch, o->guest_epoch);
#undef MISMATCH
	return SHMRING_OK;
}

int
shmring_limits_check(const struct shmring_limits *l, char *why,
		     size_t why_len)
{
	const struct shmring_params smallest = {
		.n_qp = 1,
		.ring_size = SHMRING_MIN_RING_SIZE,
		.slot_size = SHMRING_MIN_SLOT_SIZE,
		.mtu = SHMRING_MIN_MTU,
	};
	struct shmring_layout lay;

	if (shmring_layout(&smallest, &lay) != SHMRING_OK)
		return SHMRING_E_CONFIG;	/* cannot happen */
	if (l->max_qp < 1 || l->max_ring_size < SHMRING_MIN_RING_SIZE ||
	    l->max_slot_size < SHMRING_MIN_SLOT_SIZE ||
	    l->max_mtu < SHMRING_MIN_MTU ||
	    l->max_region_size < lay.region_size) {
		WHY("limits (%u queue pairs, ring %u, slot %u, MTU %u, "
		    "%llu bytes) admit no region; the smallest needs 1, %u, "
		    "%u, %u, %llu", l->max_qp, l->max_ring_size,
		    l->max_slot_size, l->max_mtu,
		    (unsigned long long)l->max_region_size,
		    SHMRING_MIN_RING_SIZE, SHMRING_MIN_SLOT_SIZE,
		    SHMRING_MIN_MTU, (unsigned long long)lay.region_size);
		return SHMRING_E_CONFIG;
	}
	return SHMRING_OK;
}
