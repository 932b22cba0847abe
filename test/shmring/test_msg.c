/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Handshake messages as bytes: encoding, the framing rules of
 * shmring_msg_decode() (each with its own code), and the judgement of
 * HELLO by a guest and of OFFER by DomS.  No sockets here; test_endpoint
 * runs the same rules over the host transport.
 */

#include <stddef.h>
#include <string.h>

#include "shmring_handshake.h"
#include "tst.h"

static const struct shmring_params gp = {
	.features = SHMRING_F_MULTI_SEG,
	.n_qp = 2,
	.ring_size = 512,
	.slot_size = 2048,
	.mtu = 9000,
};

static struct shmring_limits
limits(void)
{
	struct shmring_limits l;

	shmring_limits_default(&l);
	return l;
}

static uint64_t
region_size(const struct shmring_params *p)
{
	struct shmring_layout l;

	if (shmring_layout(p, &l) != SHMRING_OK)
		return 0;
	return l.region_size;
}

/* Decode 'len' bytes of 'm' (possibly tampered) and expect 'want'. */
static void
decode_expect(const struct shmring_msg *m, size_t len, int want,
	      const char *what)
{
	uint8_t buf[2 * SHMRING_MSG_SIZE];
	struct shmring_msg out;
	char why[SHMRING_WHY_MAX] = "";
	int rc;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, m, sizeof(*m));
	rc = shmring_msg_decode(buf, len, &out, why, sizeof(why));
	if (rc != want)
		TST_FAIL("%s: got %s (%s), expected %s", what,
			 shmring_errname(rc), why, shmring_errname(want));
	if (want != SHMRING_OK && why[0] == '\0')
		TST_FAIL("%s: no reason given", what);
}

static void
test_roundtrip(void)
{
	struct shmring_limits l = limits();
	struct shmring_msg m, out;
	char why[SHMRING_WHY_MAX];

	shmring_msg_hello(&m, &l);
	CHECK_RC(shmring_msg_decode(&m, sizeof(m), &out, why, sizeof(why)),
		 SHMRING_OK);
	CHECK_EQ(out.hdr.type, SHMRING_MSG_HELLO);
	CHECK_EQ(out.hdr.version, SHMRING_VERSION);
	CHECK_EQ(out.u.hello.max_qp, 16);
	CHECK_EQ(out.u.hello.max_ring_size, 32768);
	CHECK_EQ(out.u.hello.max_slot_size, 65536);
	CHECK_EQ(out.u.hello.max_mtu, 9600);
	CHECK_EQ(out.u.hello.max_region_size, 1ull << 30);
	CHECK_EQ(out.u.hello.features, SHMRING_F_KNOWN);

	shmring_msg_offer(&m, &gp, 12345 * 4096ull, 77);
	CHECK_RC(shmring_msg_decode(&m, sizeof(m), &out, why, sizeof(why)),
		 SHMRING_OK);
	CHECK_EQ(out.u.offer.n_qp, 2);
	CHECK_EQ(out.u.offer.ring_size, 512);
	CHECK_EQ(out.u.offer.slot_size, 2048);
	CHECK_EQ(out.u.offer.mtu, 9000);
	CHECK_EQ(out.u.offer.features, SHMRING_F_MULTI_SEG);
	CHECK_EQ(out.u.offer.guest_epoch, 77);
	CHECK_EQ(out.u.offer.region_size, 12345 * 4096ull);

	shmring_msg_accept(&m, 9);
	CHECK_RC(shmring_msg_decode(&m, sizeof(m), &out, why, sizeof(why)),
		 SHMRING_OK);
	CHECK_EQ(out.u.accept.doms_epoch, 9);

	shmring_msg_reject(&m, SHMRING_E_HDR_MTU, "too big");
	CHECK_RC(shmring_msg_decode(&m, sizeof(m), &out, why, sizeof(why)),
		 SHMRING_OK);
	CHECK_EQ(out.u.reject.code, SHMRING_E_HDR_MTU);
	CHECK(strcmp(out.u.reject.reason, "too big") == 0);
}

static void
test_framing(void)
{
	struct shmring_limits l = limits();
	struct shmring_msg m, t;
	uint8_t *raw;

	shmring_msg_hello(&m, &l);
	decode_expect(&m, 128, SHMRING_OK, "valid");
	decode_expect(&m, 127, SHMRING_E_MSG_TRUNCATED, "127 bytes");
	decode_expect(&m, 16, SHMRING_E_MSG_TRUNCATED, "header only");
	decode_expect(&m, 0, SHMRING_E_MSG_TRUNCATED, "empty");
	decode_expect(&m, 129, SHMRING_E_MSG_BAD, "129 bytes");
	decode_expect(&m, 256, SHMRING_E_MSG_BAD, "256 bytes");

	t = m;
	t.hdr.magic = SHMRING_MAGIC;	/* the region's magic, not ours */
	decode_expect(&t, 128, SHMRING_E_MSG_MAGIC, "bad magic");
	t = m;
	t.hdr.magic = 0;
	decode_expect(&t, 128, SHMRING_E_MSG_MAGIC, "zero magic");

	t = m;
	t.hdr.type = 0;
	decode_expect(&t, 128, SHMRING_E_MSG_TYPE, "type 0");
	t.hdr.type = 5;
	decode_expect(&t, 128, SHMRING_E_MSG_TYPE, "type 5");
	t.hdr.type = 0xffff;
	decode_expect(&t, 128, SHMRING_E_MSG_TYPE, "type 0xffff");

	t = m;
	t.hdr.version = 2;
	decode_expect(&t, 128, SHMRING_E_MSG_VERSION, "HELLO version 2");
	t.hdr.version = 0;
	decode_expect(&t, 128, SHMRING_E_MSG_VERSION, "HELLO version 0");
	shmring_msg_offer(&t, &gp, 4096, 1);
	t.hdr.version = 2;
	decode_expect(&t, 128, SHMRING_E_MSG_VERSION, "OFFER version 2");
	shmring_msg_accept(&t, 1);
	t.hdr.version = 0xffff;
	decode_expect(&t, 128, SHMRING_E_MSG_VERSION, "ACCEPT version");
	/* A REJECT from any version is readable. */
	shmring_msg_reject(&t, SHMRING_E_MSG_VERSION, "I speak v2");
	t.hdr.version = 2;
	decode_expect(&t, 128, SHMRING_OK, "REJECT version 2");

	/* Reserved bytes. */
	t = m;
	t.hdr.rsvd[1] = 1;
	decode_expect(&t, 128, SHMRING_E_MSG_BAD, "header rsvd");
	t = m;
	t.u.hello.rsvd0 = 1;
	decode_expect(&t, 128, SHMRING_E_MSG_BAD, "HELLO rsvd0");
	t = m;
	t.u.hello.rsvd1 = 1;
	decode_expect(&t, 128, SHMRING_E_MSG_BAD, "HELLO rsvd1");
	t = m;
	t.u.raw[sizeof(t.u.raw) - 1] = 1;
	decode_expect(&t, 128, SHMRING_E_MSG_BAD, "HELLO tail");
	shmring_msg_offer(&t, &gp, 4096, 1);
	t.u.offer.rsvd0 = 0x100;
	decode_expect(&t, 128, SHMRING_E_MSG_BAD, "OFFER rsvd0");
	shmring_msg_offer(&t, &gp, 4096, 1);
	raw = t.u.raw;
	raw[sizeof(struct shmring_msg_offer)] = 1;
	decode_expect(&t, 128, SHMRING_E_MSG_BAD, "OFFER tail");
	shmring_msg_accept(&t, 1);
	t.u.accept.rsvd0 = 1;
	decode_expect(&t, 128, SHMRING_E_MSG_BAD, "ACCEPT rsvd0");
	shmring_msg_accept(&t, 1);
	t.u.raw[50] = 0xff;
	decode_expect(&t, 128, SHMRING_E_MSG_BAD, "ACCEPT tail");
	shmring_msg_reject(&t, 1, "x");
	t.u.reject.rsvd0 = 1;
	decode_expect(&t, 128, SHMRING_E_MSG_BAD, "REJECT rsvd0");
	shmring_msg_reject(&t, 1, "x");
	memset(t.u.reject.reason, 'A', sizeof(t.u.reject.reason));
	decode_expect(&t, 128, SHMRING_E_MSG_BAD, "REJECT without NUL");
	/* After the NUL, the text area is free. */
	shmring_msg_reject(&t, 1, "x");
	t.u.reject.reason[50] = 'Z';
	decode_expect(&t, 128, SHMRING_OK, "REJECT bytes after NUL");
}

static void
test_expect(void)
{
	struct shmring_msg m;
	char why[SHMRING_WHY_MAX] = "";
	char longer[300];

	shmring_msg_reject(&m, SHMRING_E_PEER_CRED, "uid 5\x1b[2J not ok\n");
	CHECK_RC(shmring_msg_expect(&m, SHMRING_MSG_OFFER, why, sizeof(why)),
		 SHMRING_E_MSG_REJECTED);
	CHECK_STR(why, "PEER_CRED");
	CHECK_STR(why, "uid 5?[2J not ok?");	/* control bytes replaced */
	CHECK(strchr(why, '\x1b') == NULL);

	shmring_msg_reject(&m, 0x7fffffff, "?");
	CHECK_RC(shmring_msg_expect(&m, SHMRING_MSG_OFFER, why, sizeof(why)),
		 SHMRING_E_MSG_REJECTED);
	CHECK_STR(why, "UNKNOWN");

	shmring_msg_accept(&m, 1);
	CHECK_RC(shmring_msg_expect(&m, SHMRING_MSG_OFFER, why, sizeof(why)),
		 SHMRING_E_MSG_TYPE);
	CHECK_STR(why, "expected OFFER, received ACCEPT");
	CHECK_RC(shmring_msg_expect(&m, SHMRING_MSG_ACCEPT, why, sizeof(why)),
		 SHMRING_OK);

	/* A long reason is cut, always terminated. */
	memset(longer, 'r', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	shmring_msg_reject(&m, 1, longer);
	CHECK_EQ(strlen(m.u.reject.reason), SHMRING_MSG_REASON_MAX - 1);
}

static void
test_hello_check(void)
{
	struct shmring_limits l = limits();
	struct shmring_msg m;
	char why[SHMRING_WHY_MAX] = "";
	uint64_t rs = region_size(&gp);

	shmring_msg_hello(&m, &l);
	CHECK_RC(shmring_hello_check(&m.u.hello, &gp, rs, why, sizeof(why)),
		 SHMRING_OK);
#define HELLO_CASE(field, value, code, text) do {			\
		shmring_msg_hello(&m, &l);				\
		m.u.hello.field = value;				\
		CHECK_RC(shmring_hello_check(&m.u.hello, &gp, rs, why,	\
					     sizeof(why)), code);	\
		CHECK_STR(why, text);					\
	} while (0)
	HELLO_CASE(features, 0, SHMRING_E_HDR_FEATURES, "features");
	HELLO_CASE(max_qp, 1, SHMRING_E_HDR_QUEUES, "2 queue pairs");
	HELLO_CASE(max_ring_size, 256, SHMRING_E_HDR_RING_SIZE, "ring size 512");
	HELLO_CASE(max_slot_size, 1024, SHMRING_E_HDR_SLOT_SIZE,
		   "slot size 2048");
	HELLO_CASE(max_mtu, 1500, SHMRING_E_HDR_MTU, "MTU 9000");
	HELLO_CASE(max_region_size, 4096, SHMRING_E_HDR_SIZE, "at most 4096");
#undef HELLO_CASE
}

static void
test_offer_check(void)
{
	struct shmring_limits l = limits();
	struct shmring_region_info info;
	struct shmring_msg m;
	char why[SHMRING_WHY_MAX] = "";
	uint64_t rs = region_size(&gp);

	shmring_msg_offer(&m, &gp, rs, 3);
	CHECK_RC(shmring_offer_check(&m.u.offer, &l, &info, why, sizeof(why)),
		 SHMRING_OK);
	CHECK_EQ(info.layout.region_size, rs);
	CHECK_EQ(info.params.ring_size, 512);

#define OFFER_CASE(stmt, code, text) do {				\
		shmring_msg_offer(&m, &gp, rs, 3);			\
		stmt;							\
		CHECK_RC(shmring_offer_check(&m.u.offer, &l, &info, why, \
					     sizeof(why)), code);	\
		CHECK_STR(why, text);					\
	} while (0)
	/* Protocol rules. */
	OFFER_CASE(m.u.offer.ring_size = 3, SHMRING_E_HDR_RING_SIZE,
		   "guest's offer: ring size 3 is not a power of two in "
		   "64..32768");
	OFFER_CASE(m.u.offer.ring_size = 65536, SHMRING_E_HDR_RING_SIZE,
		   "65536");
	OFFER_CASE(m.u.offer.n_qp = 0, SHMRING_E_HDR_QUEUES, "queue pairs 0");
	OFFER_CASE(m.u.offer.n_qp = 17, SHMRING_E_HDR_QUEUES, "17");
	OFFER_CASE(m.u.offer.slot_size = 100, SHMRING_E_HDR_SLOT_SIZE, "100");
	OFFER_CASE(m.u.offer.slot_size = 1 << 20, SHMRING_E_HDR_SLOT_SIZE,
		   "1048576");
	OFFER_CASE(m.u.offer.mtu = 10, SHMRING_E_HDR_MTU, "MTU 10");
	OFFER_CASE(m.u.offer.mtu = 65000, SHMRING_E_HDR_MTU, "MTU 65000");
	OFFER_CASE(m.u.offer.features = 0x10, SHMRING_E_HDR_FEATURES, "0x10");
	OFFER_CASE(m.u.offer.region_size = rs + 4096, SHMRING_E_HDR_SIZE,
		   "need exactly");
	OFFER_CASE(m.u.offer.region_size = 0, SHMRING_E_HDR_SIZE,
		   "need exactly");
	OFFER_CASE(m.u.offer.region_size = UINT64_MAX, SHMRING_E_HDR_SIZE,
		   "need exactly");
	/* 16 x 32768 x 64 KiB does not fit 4 GiB. */
	OFFER_CASE((m.u.offer.n_qp = 16, m.u.offer.ring_size = 32768,
		    m.u.offer.slot_size = 65536), SHMRING_E_HDR_SIZE,
		   "exceeds");

	/* This DomS's own limits. */
	l.max_qp = 1;
	OFFER_CASE((void)0, SHMRING_E_HDR_QUEUES, "at most 1");
	l = limits();
	l.max_ring_size = 256;
	OFFER_CASE((void)0, SHMRING_E_HDR_RING_SIZE, "at most 256");
	l = limits();
	l.max_slot_size = 1024;
	OFFER_CASE((void)0, SHMRING_E_HDR_SLOT_SIZE, "at most 1024");
	l = limits();
	l.max_mtu = 1500;
	OFFER_CASE((void)0, SHMRING_E_HDR_MTU, "at most 1500");
	l = limits();
	l.max_region_size = rs - 4096;
	OFFER_CASE((void)0, SHMRING_E_HDR_SIZE, "DomS accepts at most");
#undef OFFER_CASE
}

static void
test_offer_match(void)
{
	struct shmring_limits l = limits();
	struct shmring_region_info info, hdr;
	struct shmring_msg m;
	char why[SHMRING_WHY_MAX] = "";
	uint64_t rs = region_size(&gp);

	shmring_msg_offer(&m, &gp, rs, 3);
	CHECK_RC(shmring_offer_check(&m.u.offer, &l, &info, why, sizeof(why)),
		 SHMRING_OK);
	CHECK_RC(shmring_offer_match(&m.u.offer, &info, 3, why, sizeof(why)),
		 SHMRING_OK);
#define MATCH_CASE(stmt, epoch, text) do {				\
		hdr = info;						\
		stmt;							\
		CHECK_RC(shmring_offer_match(&m.u.offer, &hdr, epoch,	\
					     why, sizeof(why)),		\
			 SHMRING_E_HDR_MISMATCH);			\
		CHECK_STR(why, text);					\
	} while (0)
	MATCH_CASE(hdr.params.features = 0, 3, "features");
	MATCH_CASE(hdr.params.n_qp = 1, 3, "queue pairs 1");
	MATCH_CASE(hdr.params.ring_size = 1024, 3, "ring size 1024");
	MATCH_CASE(hdr.params.slot_size = 4096, 3, "slot size 4096");
	MATCH_CASE(hdr.params.mtu = 1500, 3, "MTU 1500");
	MATCH_CASE(hdr.layout.region_size += 4096, 3, "region size");
	MATCH_CASE((void)0, 4, "guest epoch 4, the offer said 3");
#undef MATCH_CASE
}

static void
test_limits_check(void)
{
	struct shmring_limits l = limits();
	char why[SHMRING_WHY_MAX] = "";

	CHECK_RC(shmring_limits_check(&l, why, sizeof(why)), SHMRING_OK);
	l.max_qp = 0;
	CHECK_RC(shmring_limits_check(&l, why, sizeof(why)), SHMRING_E_CONFIG);
	CHECK_STR(why, "admit no region");
	l = limits();
	l.max_ring_size = 32;
	CHECK_RC(shmring_limits_check(&l, why, sizeof(why)), SHMRING_E_CONFIG);
	l = limits();
	l.max_region_size = 4096;
	CHECK_RC(shmring_limits_check(&l, why, sizeof(why)), SHMRING_E_CONFIG);
}

/*
 * The bytes docs/protocol.md draws, and the error numbers a REJECT
 * carries: both are wire ABI, so a change here must be deliberate.
 */
static void
test_wire_abi(void)
{
	CHECK_EQ(sizeof(struct shmring_msg), 128);
	CHECK_EQ(offsetof(struct shmring_msg, hdr.magic), 0);
	CHECK_EQ(offsetof(struct shmring_msg, hdr.type), 4);
	CHECK_EQ(offsetof(struct shmring_msg, hdr.version), 6);
	CHECK_EQ(offsetof(struct shmring_msg, hdr.rsvd), 8);
	CHECK_EQ(offsetof(struct shmring_msg, u.hello.features), 16);
	CHECK_EQ(offsetof(struct shmring_msg, u.hello.max_qp), 20);
	CHECK_EQ(offsetof(struct shmring_msg, u.hello.max_ring_size), 24);
	CHECK_EQ(offsetof(struct shmring_msg, u.hello.max_slot_size), 28);
	CHECK_EQ(offsetof(struct shmring_msg, u.hello.max_mtu), 32);
	CHECK_EQ(offsetof(struct shmring_msg, u.hello.max_region_size), 40);
	CHECK_EQ(offsetof(struct shmring_msg, u.offer.features), 16);
	CHECK_EQ(offsetof(struct shmring_msg, u.offer.n_qp), 20);
	CHECK_EQ(offsetof(struct shmring_msg, u.offer.ring_size), 24);
	CHECK_EQ(offsetof(struct shmring_msg, u.offer.slot_size), 28);
	CHECK_EQ(offsetof(struct shmring_msg, u.offer.mtu), 32);
	CHECK_EQ(offsetof(struct shmring_msg, u.offer.guest_epoch), 36);
	CHECK_EQ(offsetof(struct shmring_msg, u.offer.region_size), 40);
	CHECK_EQ(offsetof(struct shmring_msg, u.accept.doms_epoch), 16);
	CHECK_EQ(offsetof(struct shmring_msg, u.reject.code), 16);
	CHECK_EQ(offsetof(struct shmring_msg, u.reject.reason), 24);
	CHECK_EQ(SHMRING_MSG_MAGIC, 0x43485358u);

	CHECK_EQ(SHMRING_E_RING_PROD_AHEAD, 1);
	CHECK_EQ(SHMRING_E_FRAME_TOO_LONG, 9);
	CHECK_EQ(SHMRING_E_HDR_MAGIC, 10);
	CHECK_EQ(SHMRING_E_HDR_FEATURES, 12);
	CHECK_EQ(SHMRING_E_HDR_SIZE, 13);
	CHECK_EQ(SHMRING_E_HDR_QUEUES, 14);
	CHECK_EQ(SHMRING_E_HDR_RING_SIZE, 15);
	CHECK_EQ(SHMRING_E_HDR_SLOT_SIZE, 16);
	CHECK_EQ(SHMRING_E_HDR_MTU, 17);
	CHECK_EQ(SHMRING_E_HDR_LAYOUT, 18);
	CHECK_EQ(SHMRING_E_HDR_MISMATCH, 19);
	CHECK_EQ(SHMRING_E_MSG_TRUNCATED, 20);
	CHECK_EQ(SHMRING_E_MSG_BAD, 21);
	CHECK_EQ(SHMRING_E_MSG_MAGIC, 22);
	CHECK_EQ(SHMRING_E_MSG_TYPE, 23);
	CHECK_EQ(SHMRING_E_MSG_VERSION, 24);
	CHECK_EQ(SHMRING_E_MSG_REJECTED, 25);
	CHECK_EQ(SHMRING_E_FD_MISSING, 26);
	CHECK_EQ(SHMRING_E_FD_NOT_SEALED, 27);
	CHECK_EQ(SHMRING_E_FD_SIZE, 28);
	CHECK_EQ(SHMRING_E_PEER_CRED, 29);
	CHECK_EQ(SHMRING_E_BUSY, 30);
	CHECK_EQ(SHMRING_E_SYSTEM, 31);
	CHECK_EQ(SHMRING_E_NO_PEER, 32);
	CHECK_EQ(SHMRING_E_CONFIG, 33);
	CHECK_EQ(SHMRING_E_FD_KIND, 34);
	CHECK_EQ(SHMRING_E_TIMEOUT, 35);
}

int
main(void)
{
	tst_watchdog(60);
	tst_run("messages round-trip", test_roundtrip);
	tst_run("message framing rules", test_framing);
	tst_run("expect and REJECT text", test_expect);
	tst_run("guest judges HELLO", test_hello_check);
	tst_run("DomS judges OFFER", test_offer_check);
	tst_run("region header must match OFFER", test_offer_match);
	tst_run("DomS limits", test_limits_check);
	tst_run("wire ABI: offsets and error numbers", test_wire_abi);
	return tst_done();
}
