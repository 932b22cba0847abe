/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Handshake decoder and the checks behind it, fed by a hostile peer.
 *
 * Input: 128 bytes of control message, then the receiver's side of the
 * story: the type it expects, a guest's params and region size (for the
 * HELLO check) and a DomS's limits (for the OFFER check).
 *
 * Properties:
 *  - the length rules: only exactly 128 bytes can decode;
 *  - a decoded message is canonical: encoding its fields again with the
 *    library's own encoder gives back the received bytes (so no byte the
 *    decoder accepted is ignored, and reserved bytes are really zero);
 *  - msg_expect() says OK only for the wanted type, and the peer's REJECT
 *    text reaches 'why' printable;
 *  - an accepted OFFER describes a region that satisfies the protocol
 *    and the limits, with the canonical layout, and matches itself;
 *  - a HELLO that a guest's region passes really bounds that region;
 *  - what the encoders produce always decodes.
 */

#include <stdbool.h>

#include "fuzz.h"
#include "fuzz_layout.h"
#include "shmring_handshake.h"

static void
check_decoded(const uint8_t *raw, const struct shmring_msg *m)
{
	struct shmring_msg e;
	struct shmring_params p;
	struct shmring_limits l;

	FZ_CHECK(m->hdr.magic == SHMRING_MSG_MAGIC, "magic");
	FZ_CHECK(m->hdr.type >= SHMRING_MSG_HELLO &&
		 m->hdr.type <= SHMRING_MSG_REJECT, "type %u", m->hdr.type);
	FZ_CHECK(m->hdr.rsvd[0] == 0 && m->hdr.rsvd[1] == 0, "hdr rsvd");

	memset(&p, 0, sizeof(p));
	switch (m->hdr.type) {
	case SHMRING_MSG_HELLO:
		l.max_qp = m->u.hello.max_qp;
		l.max_ring_size = m->u.hello.max_ring_size;
		l.max_slot_size = m->u.hello.max_slot_size;
		l.max_mtu = m->u.hello.max_mtu;
		l.max_region_size = m->u.hello.max_region_size;
		shmring_msg_hello(&e, &l);
		/* The encoder always announces what this side knows. */
		e.u.hello.features = m->u.hello.features;
		break;
	case SHMRING_MSG_OFFER:
		p.features = m->u.offer.features;
		p.n_qp = m->u.offer.n_qp;
		p.ring_size = m->u.offer.ring_size;
		p.slot_size = m->u.offer.slot_size;
		p.mtu = m->u.offer.mtu;
		shmring_msg_offer(&e, &p, m->u.offer.region_size,
				  m->u.offer.guest_epoch);
		break;
	case SHMRING_MSG_ACCEPT:
		shmring_msg_accept(&e, m->u.accept.doms_epoch);
		break;
	default:
		FZ_CHECK(memchr(m->u.reject.reason, '\0',
				sizeof(m->u.reject.reason)) != NULL,
			 "REJECT reason without NUL");
		FZ_CHECK(m->u.reject.rsvd0 == 0, "REJECT rsvd0");
		shmring_msg_reject(&e, (int)m->u.reject.code,
				   m->u.reject.reason);
		/* REJECT is read from any version, and the bytes after the
		 * text's NUL are not looked at: compare what is defined. */
		e.hdr.version = m->hdr.version;
		FZ_CHECK(!memcmp(&e, raw, offsetof(struct shmring_msg,
			 u.reject.reason)), "REJECT does not round-trip");
		FZ_CHECK(!strcmp(e.u.reject.reason, m->u.reject.reason),
			 "REJECT text does not round-trip");
		return;
	}
	FZ_CHECK(!memcmp(&e, raw, SHMRING_MSG_SIZE),
		 "%s does not round-trip through its encoder",
		 shmring_msg_type_name(m->hdr.type));
}

static void
check_expect(const struct shmring_msg *m, unsigned int want)
{
	char why[SHMRING_WHY_MAX];
	int rc;

	why[0] = '\0';
	rc = shmring_msg_expect(m, want, why, sizeof(why));
	if (m->hdr.type == want) {
		FZ_CHECK(rc == SHMRING_OK, "expect(%u) of its own type: %d",
			 want, rc);
		return;
	}
	if (m->hdr.type == SHMRING_MSG_REJECT)
		FZ_CHECK(rc == SHMRING_E_MSG_REJECTED, "REJECT gave %d", rc);
	else
		FZ_CHECK(rc == SHMRING_E_MSG_TYPE, "wrong type gave %d", rc);
	FZ_CHECK(fz_printable(why, sizeof(why)), "why not printable: %s", why);
}

static void
check_hello(const struct shmring_msg_hello *h,
	    const struct shmring_params *p, uint64_t region_size)
{
	char why[SHMRING_WHY_MAX];
	int rc;

	why[0] = '\0';
	rc = shmring_hello_check(h, p, region_size, why, sizeof(why));
	FZ_SAY("hello: %s %s\n", shmring_errname(rc), why);
	if (rc != SHMRING_OK) {
		FZ_CHECK(rc >= SHMRING_E_HDR_FEATURES &&
			 rc <= SHMRING_E_HDR_LAYOUT, "hello_check rc %d", rc);
		FZ_CHECK(fz_printable(why, sizeof(why)), "why: %s", why);
		return;
	}
	FZ_CHECK((p->features & ~h->features) == 0, "features not offered");
	FZ_CHECK(p->n_qp <= h->max_qp && p->ring_size <= h->max_ring_size &&
		 p->slot_size <= h->max_slot_size && p->mtu <= h->max_mtu &&
		 region_size <= h->max_region_size,
		 "a region beyond the HELLO's limits passed");
}

static void
check_offer(const struct shmring_msg_offer *o,
	    const struct shmring_limits *l)
{
	struct shmring_region_info info;
	struct shmring_layout want;
	char why[SHMRING_WHY_MAX];
	int rc;

	why[0] = '\0';
	rc = shmring_offer_check(o, l, &info, why, sizeof(why));
	FZ_SAY("offer: %s %s\n", shmring_errname(rc), why);
	if (rc != SHMRING_OK) {
		FZ_CHECK(rc >= SHMRING_E_HDR_FEATURES &&
			 rc <= SHMRING_E_HDR_LAYOUT, "offer_check rc %d", rc);
		FZ_CHECK(fz_printable(why, sizeof(why)), "why: %s", why);
		return;
	}
	FZ_CHECK(shmring_params_check(&info.params, NULL, 0) == SHMRING_OK,
		 "accepted params fail params_check");
	FZ_CHECK(info.params.features == o->features &&
		 info.params.n_qp == o->n_qp &&
		 info.params.ring_size == o->ring_size &&
		 info.params.slot_size == o->slot_size &&
		 info.params.mtu == o->mtu, "info differs from the offer");
	FZ_CHECK(info.params.n_qp <= l->max_qp &&
		 info.params.ring_size <= l->max_ring_size &&
		 info.params.slot_size <= l->max_slot_size &&
		 info.params.mtu <= l->max_mtu &&
		 info.layout.region_size <= l->max_region_size,
		 "an offer beyond the limits passed");
	FZ_CHECK(shmring_layout(&info.params, &want) == SHMRING_OK &&
		 !memcmp(&want, &info.layout, sizeof(want)),
		 "layout is not the canonical one");
	FZ_CHECK(o->region_size == info.layout.region_size, "region size");
	fz_check_layout(&info.params, &info.layout);
	/* A header built from these params must match the offer. */
	rc = shmring_offer_match(o, &info, o->guest_epoch, why, sizeof(why));
	FZ_CHECK(rc == SHMRING_OK, "offer does not match itself: %s", why);
	rc = shmring_offer_match(o, &info, o->guest_epoch + 1, why,
				 sizeof(why));
	FZ_CHECK(rc == SHMRING_E_HDR_MISMATCH, "stale epoch matched");
}

/* What our own encoders produce must decode, whatever the values. */
static void
check_encoders(const struct shmring_params *p, uint64_t region_size,
	       uint32_t epoch, const struct shmring_limits *l)
{
	struct shmring_msg e, d;
	char why[SHMRING_WHY_MAX];

	shmring_msg_offer(&e, p, region_size, epoch);
	FZ_CHECK(shmring_msg_decode(&e, sizeof(e), &d, why, sizeof(why)) ==
		 SHMRING_OK, "own OFFER rejected: %s", why);
	FZ_CHECK(!memcmp(&e, &d, sizeof(e)), "OFFER decode changed it");
	shmring_msg_hello(&e, l);
	FZ_CHECK(shmring_msg_decode(&e, sizeof(e), &d, why, sizeof(why)) ==
		 SHMRING_OK, "own HELLO rejected: %s", why);
	shmring_msg_accept(&e, epoch);
	FZ_CHECK(shmring_msg_decode(&e, sizeof(e), &d, why, sizeof(why)) ==
		 SHMRING_OK, "own ACCEPT rejected: %s", why);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	uint8_t raw[SHMRING_MSG_SIZE];
	struct shmring_msg m, m2;
	struct shmring_params p;
	struct shmring_limits l;
	char why[SHMRING_WHY_MAX];
	uint64_t region_size;
	unsigned int want;
	int rc, rc2;

	/* Length rules on the whole input, as if it were one datagram. */
	why[0] = '\0';
	rc = shmring_msg_decode(data, size, &m, why, sizeof(why));
	if (size < SHMRING_MSG_SIZE)
		FZ_CHECK(rc == SHMRING_E_MSG_TRUNCATED, "short: %d", rc);
	else if (size > SHMRING_MSG_SIZE)
		FZ_CHECK(rc == SHMRING_E_MSG_BAD, "long: %d", rc);
	if (rc != SHMRING_OK)
		FZ_CHECK(fz_printable(why, sizeof(why)), "why: %s", why);

	/* The first 128 bytes as a message, the rest as the context. */
	fz_bytes(&in, raw, sizeof(raw));
	want = fz_u8(&in) % 6;
	memset(&p, 0, sizeof(p));
	p.features = fz_u32(&in);
	p.n_qp = fz_u16(&in);
	p.ring_size = fz_u32(&in);
	p.slot_size = fz_u32(&in);
	p.mtu = fz_u32(&in);
	region_size = fz_u64(&in);
	l.max_qp = fz_u16(&in);
	l.max_ring_size = fz_u32(&in);
	l.max_slot_size = fz_u32(&in);
	l.max_mtu = fz_u32(&in);
	l.max_region_size = fz_u64(&in);
	/* A DomS runs with limits that pass limits_check(); otherwise
	 * take the defaults, so that OFFERs still get judged. */
	if (shmring_limits_check(&l, NULL, 0) != SHMRING_OK)
		shmring_limits_default(&l);

	check_encoders(&p, region_size, (uint32_t)region_size, &l);

	why[0] = '\0';
	rc = shmring_msg_decode(raw, sizeof(raw), &m, why, sizeof(why));
	/* Deterministic, and it only read the buffer it was given. */
	rc2 = shmring_msg_decode(raw, sizeof(raw), &m2, NULL, 0);
	FZ_SAY("handshake: %s %s\n", shmring_errname(rc), why);
	FZ_CHECK(rc == rc2, "decode not deterministic");
	if (rc != SHMRING_OK) {
		FZ_CHECK(rc >= SHMRING_E_MSG_TRUNCATED &&
			 rc <= SHMRING_E_MSG_VERSION, "decode rc %d", rc);
		FZ_CHECK(fz_printable(why, sizeof(why)), "why: %s", why);
		return 0;
	}
	FZ_CHECK(!memcmp(&m, raw, sizeof(raw)), "decode changed bytes");
	check_decoded(raw, &m);
	check_expect(&m, want);

	switch (m.hdr.type) {
	case SHMRING_MSG_HELLO:
		check_hello(&m.u.hello, &p, region_size);
		/* A guest with a valid region, judged by this HELLO. */
		if (p.n_qp == 0)
			break;
		{
			struct shmring_layout lay;

			if (shmring_layout(&p, &lay) == SHMRING_OK)
				check_hello(&m.u.hello, &p, lay.region_size);
		}
		break;
	case SHMRING_MSG_OFFER:
		check_offer(&m.u.offer, &l);
		break;
	default:
		break;
	}
	return 0;
}
