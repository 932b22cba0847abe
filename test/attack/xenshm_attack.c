/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * xenshm-attack: an adversarial peer for the host transport, written from
 * docs/protocol.md alone (xa_proto.h), not from lib/shmring.
 *
 *   xenshm-attack guest PATH ATTACK...   a hostile guest: listens on PATH
 *                                        (as net_xenshm_guest does) and
 *                                        runs each ATTACK on the next DomS
 *                                        connection (DomS = doms-switch or
 *                                        net_xenshm, which reconnect)
 *   xenshm-attack doms PATH ATTACK...    a hostile DomS: connects to the
 *                                        guest PMD listening on PATH, one
 *                                        connection per ATTACK
 *   xenshm-attack list                   the menu
 *
 * Options (before the role): -t SECONDS per attack (default 20),
 * -e shmring_err.h (error numbers of codes newer than the document),
 * -h FILE (doms role: hold a data-path attack until FILE exists),
 * -m MAC (guest role), -r ROUNDS (timing), -f MS (flap: minimum back-off).
 *
 * Each attack prints one line
 *   RESULT <attack> PASS|FAIL|SKIP: expected <what>, got <what>
 * and "SPEC-FAIL: ..." lines for anything the victim sent that breaks the
 * document.  Exit status: 0 all passed (or skipped), 1 some failed,
 * 2 usage or set-up error.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/magic.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "xa_proto.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE	0x0010
#endif
#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB		(21u << 26)
#endif
#define HUGE_2M			(2ull << 20)
#define REQ_SEALS		(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

/* ------------------------------------------------------------ options */

static unsigned int opt_timeout_s = 60;
static const char *opt_err_h;
static const char *opt_hold_file;
static uint8_t opt_mac[6] = { 0x02, 0x00, 0x00, 0xee, 0x00, 0x01 };
static unsigned int opt_rounds = 5;
static unsigned int opt_flap_min_ms = 100;
static bool opt_keep;		/* -k: leave the socket file at exit */
static volatile sig_atomic_t stop_requested;
static int n_fail, n_pass, n_skip;

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t now_ms(void) { return now_us() / 1000; }

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* --------------------------------------------------------- error codes */

struct errname {
	char name[32];
	int no;
};
static struct errname errs[64];
static int n_errs;

static void
err_add(const char *name, int no)
{
	int i;

	for (i = 0; i < n_errs; i++)
		if (strcmp(errs[i].name, name) == 0) {
			if (errs[i].no != no)
				printf("SPEC-FAIL: error %s is %d in the "
				       "document but %d in %s\n", name,
				       errs[i].no, no, opt_err_h);
			return;
		}
	if (n_errs < (int)(sizeof(errs) / sizeof(errs[0]))) {
		snprintf(errs[n_errs].name, sizeof(errs[0].name), "%s", name);
		errs[n_errs++].no = no;
	}
}

/*
 * The document's numbers, then the header's (codes are append-only: the
 * n-th X() entry is number n), which adds codes newer than the document
 * (FD_KIND, TIMEOUT) and cross-checks the old ones.
 */
static void
errs_init(void)
{
	char line[256], name[64];
	FILE *f;
	int no = 0;

#define XA_ERR_ADD(n, v) err_add(#n, v);
	XA_ERRORS(XA_ERR_ADD)
#undef XA_ERR_ADD
	if (opt_err_h == NULL || (f = fopen(opt_err_h, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = strstr(line, "X(");

		if (p == NULL || strstr(line, "#define") != NULL)
			continue;
		if (sscanf(p + 2, "%63[A-Z0-9_]", name) == 1)
			err_add(name, ++no);
	}
	fclose(f);
}

static int
err_no(const char *name)
{
	int i;

	for (i = 0; i < n_errs; i++)
		if (strcmp(errs[i].name, name) == 0)
			return errs[i].no;
	return -1;
}

static const char *
err_name(int no)
{
	static char buf[32];
	int i;

	for (i = 0; i < n_errs; i++)
		if (errs[i].no == no)
			return errs[i].name;
	snprintf(buf, sizeof(buf), "code %d", no);
	return buf;
}

/* ------------------------------------------------------------ results */

static void
result(const char *name, int verdict, const char *fmt, ...)
{
	static const char *const v[] = { "FAIL", "PASS", "SKIP" };
	va_list ap;

	printf("RESULT %s %s: ", name, v[verdict]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (verdict == 0)
		n_fail++;
	else if (verdict == 1)
		n_pass++;
	else
		n_skip++;
}

static int spec_fails;

static void
spec_fail(const char *fmt, ...)
{
	va_list ap;

	printf("SPEC-FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	spec_fails++;
}

/* ------------------------------------------------------------ sockets */

static int
send_raw(int sock, const void *buf, size_t len, const int *fds, int nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 16)];
	} ctl;
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf,
			     .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (nfds > 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

#define RX_TIMEOUT	(-1)
#define RX_ERROR	(-2)

/* Receive one datagram: length, 0 on EOF, RX_TIMEOUT or RX_ERROR.  Any
 * fds received are returned in fds[] (up to 8) or closed. */
static int
recv_raw(int sock, uint8_t *buf, size_t cap, int timeout_ms, int *fds,
	 int *nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	struct cmsghdr *c;
	ssize_t n;
	int rc, k, i, fd;

	*nfds = 0;
	do {
		rc = poll(&pfd, 1, timeout_ms);
	} while (rc < 0 && errno == EINTR && !stop_requested);
	if (rc == 0)
		return RX_TIMEOUT;
	if (rc < 0)
		return RX_ERROR;
	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0)
		return errno == ECONNRESET ? 0 : RX_ERROR;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < k; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (fds != NULL && *nfds < 8)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
	return (int)n;
}

/* What the victim answered. */
enum got_kind { G_MSG, G_EOF, G_TIMEOUT, G_ERROR };
struct got {
	enum got_kind kind;
	int len;
	uint8_t b[256];
	int fds[8], nfds;
	uint64_t at_us;
};

static void
got_close_fds(struct got *g)
{
	int i;

	for (i = 0; i < g->nfds; i++)
		close(g->fds[i]);
	g->nfds = 0;
}

static void
get_msg(int sock, int timeout_ms, struct got *g)
{
	int n;

	memset(g, 0, sizeof(*g));
	n = recv_raw(sock, g->b, sizeof(g->b), timeout_ms, g->fds, &g->nfds);
	g->at_us = now_us();
	g->len = n;
	if (n == 0)
		g->kind = G_EOF;
	else if (n == RX_TIMEOUT)
		g->kind = G_TIMEOUT;
	else if (n < 0)
		g->kind = G_ERROR;
	else
		g->kind = G_MSG;
}

/* Check a received message against section 8; 0 if well-formed. */
static int
msg_spec_check(const struct got *g, const char *who)
{
	const uint8_t *b = g->b;
	unsigned int type, end, i;
	int bad = 0;

	if (g->len != XA_MSG_SIZE) {
		spec_fail("%s sent a %d-byte message (must be 128)", who,
			  g->len);
		return -1;
	}
	if (xa_get32(b, XA_M_MAGIC) != XA_MSG_MAGIC) {
		spec_fail("%s: message magic 0x%08x", who,
			  xa_get32(b, XA_M_MAGIC));
		return -1;
	}
	type = xa_get16(b, XA_M_TYPE);
	if (type < 1 || type > 4) {
		spec_fail("%s: message type %u", who, type);
		return -1;
	}
	if (type != XA_T_REJECT && xa_get16(b, XA_M_VERSION) != XA_VERSION) {
		spec_fail("%s: message version %u", who,
			  xa_get16(b, XA_M_VERSION));
		bad = -1;
	}
	if (xa_get32(b, XA_M_RSVD) || xa_get32(b, XA_M_RSVD + 4)) {
		spec_fail("%s: message header reserved bytes not zero", who);
		bad = -1;
	}
	end = type == XA_T_HELLO ? XA_HE_END : type == XA_T_OFFER ?
		XA_OF_END : type == XA_T_ACCEPT ? XA_AC_END : XA_MSG_SIZE;
	if ((type == XA_T_HELLO && (xa_get16(b, XA_HE_RSVD0) ||
				    xa_get32(b, XA_HE_RSVD1))) ||
	    (type == XA_T_OFFER && xa_get16(b, XA_OF_RSVD0)) ||
	    (type == XA_T_ACCEPT && xa_get32(b, XA_AC_RSVD0)) ||
	    (type == XA_T_REJECT && xa_get32(b, XA_RJ_RSVD0))) {
		spec_fail("%s: body reserved field not zero", who);
		bad = -1;
	}
	for (i = end; i < XA_MSG_SIZE; i++)
		if (b[i] != 0) {
			spec_fail("%s: byte %u after the body is 0x%02x", who,
				  i, b[i]);
			bad = -1;
			break;
		}
	if (type == XA_T_REJECT &&
	    memchr(b + XA_RJ_REASON, 0, XA_RJ_REASON_LEN) == NULL) {
		spec_fail("%s: REJECT reason not NUL-terminated", who);
		bad = -1;
	}
	if (g->nfds > 0 && type != XA_T_OFFER) {
		spec_fail("%s sent %d fds with a message of type %u", who,
			  g->nfds, type);
		bad = -1;
	}
	return bad;
}

static const char *
got_str(const struct got *g, char *s, size_t n)
{
	char reason[XA_RJ_REASON_LEN + 1];
	unsigned int type, i;

	switch (g->kind) {
	case G_EOF:
		return "end-of-file (closed without REJECT)";
	case G_TIMEOUT:
		return "nothing (timeout)";
	case G_ERROR:
		return "a receive error";
	case G_MSG:
		break;
	}
	if (g->len != XA_MSG_SIZE || xa_get32(g->b, 0) != XA_MSG_MAGIC) {
		snprintf(s, n, "a malformed %d-byte message", g->len);
		return s;
	}
	type = xa_get16(g->b, XA_M_TYPE);
	if (type == XA_T_REJECT) {
		memcpy(reason, g->b + XA_RJ_REASON, XA_RJ_REASON_LEN);
		reason[XA_RJ_REASON_LEN] = 0;
		for (i = 0; reason[i]; i++)
			if (reason[i] < 0x20 || reason[i] > 0x7e)
				reason[i] = '?';
		snprintf(s, n, "REJECT %s (\"%s\")",
			 err_name((int)xa_get32(g->b, XA_RJ_CODE)), reason);
	} else {
		static const char *const tn[] = { "?", "HELLO", "OFFER",
						  "ACCEPT", "REJECT" };
		snprintf(s, n, "%s", type <= 4 ? tn[type] : "unknown type");
	}
	return s;
}

static bool
got_is(const struct got *g, unsigned int type)
{
	return g->kind == G_MSG && g->len == XA_MSG_SIZE &&
	       xa_get32(g->b, 0) == XA_MSG_MAGIC &&
	       xa_get16(g->b, XA_M_TYPE) == type;
}

/*
 * Does 'g' meet 'expect'?  "REJECT:A|B" (a REJECT with one of these
 * codes), "EOF" (closed, no REJECT), "REFUSED" (REJECT or EOF),
 * "ACCEPT", "OFFER".
 */
static bool
got_matches(const struct got *g, const char *expect)
{
	char buf[128], *tok, *save;
	const char *codes = expect;

	if (strncmp(expect, "REJECT:", 7) == 0)
		codes = expect + 7;
	snprintf(buf, sizeof(buf), "%s", codes);
	for (tok = strtok_r(buf, "|", &save); tok != NULL;
	     tok = strtok_r(NULL, "|", &save)) {
		if (strcmp(tok, "EOF") == 0) {
			if (g->kind == G_EOF)
				return true;
		} else if (strcmp(tok, "REFUSED") == 0) {
			if (g->kind == G_EOF || got_is(g, XA_T_REJECT))
				return true;
		} else if (strcmp(tok, "ACCEPT") == 0) {
			if (got_is(g, XA_T_ACCEPT))
				return true;
		} else if (strcmp(tok, "OFFER") == 0) {
			if (got_is(g, XA_T_OFFER))
				return true;
		} else if (got_is(g, XA_T_REJECT) && err_no(tok) >= 0 &&
			   (uint32_t)err_no(tok) ==
			   xa_get32(g->b, XA_RJ_CODE)) {
			return true;
		}
	}
	return false;
}

/* ------------------------------------------------------------- region */

struct region {
	int fd;
	uint8_t *base;
	struct xa_layout l;
	bool huge;
};

static uint8_t *
ring_at(const struct region *r, unsigned int ring)
{
	return r->base + r->l.rings_offset + (uint64_t)ring * r->l.ring_stride;
}

static uint32_t
ld_acq(uint8_t *p)
{
	return __atomic_load_n((uint32_t *)(void *)p, __ATOMIC_ACQUIRE);
}

static void
st_rel(uint8_t *p, uint32_t v)
{
	__atomic_store_n((uint32_t *)(void *)p, v, __ATOMIC_RELEASE);
}

/* Section 3: every header field, from the layout. */
static void
header_write(struct region *r)
{
	uint8_t *h = r->base;
	const struct xa_layout *l = &r->l;

	memset(h, 0, XA_PAGE);
	xa_put32(h, XA_H_MAGIC, XA_REGION_MAGIC);
	xa_put32(h, XA_H_VERSION, XA_VERSION);
	xa_put32(h, XA_H_FEATURES, l->features);
	xa_put32(h, XA_H_HDR_SIZE, XA_PAGE);
	xa_put64(h, XA_H_REGION_SIZE, l->region_size);
	xa_put16(h, XA_H_N_QP, (uint16_t)l->n_qp);
	xa_put32(h, XA_H_RING_SIZE, l->ring_size);
	xa_put32(h, XA_H_SLOT_SIZE, l->slot_size);
	xa_put32(h, XA_H_MTU, l->mtu);
	xa_put32(h, XA_H_RINGS_OFFSET, l->rings_offset);
	xa_put32(h, XA_H_RING_STRIDE, l->ring_stride);
	xa_put64(h, XA_H_BUF_OFFSET, l->buf_offset);
	xa_put64(h, XA_H_BUF_SIZE, l->buf_size);
	memcpy(h + XA_H_MAC, opt_mac, 6);
	xa_put32(h, XA_H_GUEST + XA_S_EPOCH, 1);
	h[XA_H_GUEST + XA_S_LIVE] = XA_LIVE_INIT;
}

/* A sealed memfd region (section 9, guest steps 1-3); -1 on error. */
static int
region_create(struct region *r, const struct xa_layout *l, bool huge,
	      int seals, char *why, size_t wl)
{
	memset(r, 0, sizeof(*r));
	r->l = *l;
	xa_layout_calc(&r->l);
	r->huge = huge;
	r->fd = memfd_create("xenshm-attack", MFD_CLOEXEC | MFD_ALLOW_SEALING |
			     (huge ? MFD_HUGETLB | MFD_HUGE_2MB : 0));
	if (r->fd < 0) {
		snprintf(why, wl, "memfd_create%s: %s", huge ? " (hugetlb)" :
			 "", strerror(errno));
		return -1;
	}
	if (ftruncate(r->fd, (off_t)r->l.region_size) != 0) {
		snprintf(why, wl, "ftruncate: %s", strerror(errno));
		goto fail;
	}
	r->base = mmap(NULL, r->l.region_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED, r->fd, 0);
	if (r->base == MAP_FAILED) {
		snprintf(why, wl, "mmap: %s", strerror(errno));
		r->base = NULL;
		goto fail;
	}
	/* Touch every page now: a hugetlb region must own its pages. */
	memset(r->base, 0, r->l.region_size);
	header_write(r);
	if (seals && fcntl(r->fd, F_ADD_SEALS, seals) != 0) {
		snprintf(why, wl, "F_ADD_SEALS 0x%x: %s", seals,
			 strerror(errno));
		goto fail;
	}
	return 0;
fail:
	if (r->base != NULL)
		munmap(r->base, r->l.region_size);
	close(r->fd);
	r->fd = -1;
	r->base = NULL;
	return -1;
}

static void
region_destroy(struct region *r)
{
	if (r->base != NULL)
		munmap(r->base, r->l.region_size);
	if (r->fd >= 0)
		close(r->fd);
	r->base = NULL;
	r->fd = -1;
}

/* ------------------------------------------------------- producer side */

struct prod {
	struct region *r;
	unsigned int ring;
	uint32_t prod;		/* private copy (section 4) */
	uint8_t *hdr;
};

static void
prod_init(struct prod *p, struct region *r, unsigned int ring)
{
	p->r = r;
	p->ring = ring;
	p->hdr = ring_at(r, ring);
	p->prod = ld_acq(p->hdr + XA_R_PROD);	/* attach: section 10 */
}

static uint32_t
slot_off(const struct prod *p, uint32_t idx)
{
	const struct xa_layout *l = &p->r->l;

	return (uint32_t)((uint64_t)p->ring * l->ring_size * l->slot_size +
			  (uint64_t)(idx & (l->ring_size - 1)) * l->slot_size);
}

static void
put_desc(struct prod *p, uint32_t idx, uint32_t off, uint32_t len,
	 uint16_t flags)
{
	uint8_t *d = p->hdr + XA_R_DESC +
		(size_t)(idx & (p->r->l.ring_size - 1)) * XA_DESC_SIZE;

	xa_put32(d, XA_D_OFFSET, off);
	xa_put32(d, XA_D_LEN, len);
	xa_put16(d, XA_D_FLAGS, flags);
	xa_put16(d, XA_D_RSVD, 0);
	xa_put32(d, XA_D_META, 0);
}

static void
frame_fill(uint8_t *f, uint32_t len, uint32_t seq)
{
	memset(f, 0xff, 6);			/* broadcast */
	memcpy(f + 6, opt_mac, 6);
	f[12] = 0x88;
	f[13] = 0xb5;				/* local experimental */
	memset(f + 14, (int)(seq & 0xff), len - 14);
}

/* Publish up to n good 64-byte frames (as many as the ring takes). */
static unsigned int
send_good(struct prod *p, unsigned int n, uint32_t *seq)
{
	uint32_t cons = ld_acq(p->hdr + XA_R_CONS);
	uint32_t room = p->r->l.ring_size - (p->prod - cons);
	unsigned int i;

	if (room > p->r->l.ring_size)
		return 0;	/* the consumer lies; never write then */
	for (i = 0; i < n && i < room; i++) {
		uint32_t off = slot_off(p, p->prod + i);

		frame_fill(p->r->base + p->r->l.buf_offset + off, 64,
			   (*seq)++);
		put_desc(p, p->prod + i, off, 64, 0);
	}
	p->prod += i;
	st_rel(p->hdr + XA_R_PROD, p->prod);
	return i;
}

/* Wait until the consumer released everything published; 1 if it did. */
static int
wait_consumed(struct prod *p, int sock, unsigned int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = sock, .events = POLLIN | POLLRDHUP };

	while (now_ms() < end && !stop_requested) {
		if (ld_acq(p->hdr + XA_R_CONS) == p->prod)
			return 1;
		if (sock >= 0 && poll(&pfd, 1, 0) > 0 &&
		    (pfd.revents & (POLLHUP | POLLRDHUP)))
			return 0;	/* the peer left */
		usleep(1000);
	}
	return 0;
}

/* Wait for the connection to end (EOF); ms it took, or -1 on timeout. */
static long
wait_eof(int sock, unsigned int timeout_ms)
{
	uint64_t t0 = now_ms(), end = t0 + timeout_ms;
	uint8_t buf[256];
	int nf, n;

	while (now_ms() < end && !stop_requested) {
		n = recv_raw(sock, buf, sizeof(buf), 50, NULL, &nf);
		if (n == 0 || n == RX_ERROR)
			return (long)(now_ms() - t0);
	}
	return -1;
}

/* ------------------------------------------------------ the menu */

enum fdmode {
	FD_GOOD, FD_NONE, FD_TWO, FD_FIVE, FD_PIPE, FD_FILE, FD_DEVZERO,
	FD_UNSEALED, FD_NO_GROW, FD_SEAL_WRITE, FD_SEAL_FUTURE_WRITE,
	FD_BIGGER, FD_SMALLER, FD_HUGETLB, FD_SHM_FILE,
};

enum post {
	P_NONE, P_DP_DIE, P_WRAP, P_PUNCH, P_HUGE_PUNCH, P_RACE, P_DOUBLE,
	P_SECOND_HELLO, P_HOLD, P_FLAP, P_TIMING, P_CLOSE_MID, P_SILENT,
	P_BUSY_FLOOD, P_MULTISEG,
};

/* Data-path attacks (after an honest attach). */
enum dp {
	DP_NONE, DP_DESC_OOB, DP_DESC_OOB_WRAP, DP_DESC_ZERO, DP_DESC_TOO_LONG,
	DP_BAD_FLAGS, DP_CHAIN_TRUNC, DP_CHAIN_LONG, DP_FRAME_LONG,
	DP_PROD_AHEAD, DP_CONS_AHEAD, DP_CONS_BEHIND, DP_ATTACH_PROD_AHEAD,
	DP_ATTACH_CONS_AHEAD, DP_MULTISEG, DP_CHAIN_TIE,
};

struct acase {
	const char *name;
	char role;		/* 'g' hostile guest, 'd' hostile DomS */
	const char *expect;	/* see got_matches(); for role d: stage 1 */
	const char *what;
	/* message mutation: width 0 = none; len 0 = 128 */
	int m_off, m_w;
	uint64_t m_val;
	int m2_off, m2_w;	/* a second one */
	uint64_t m2_val;
	int m_len;
	/* guest role: region header mutation, region params */
	int h_off, h_w;
	uint64_t h_val;
	uint32_t n_qp, ring, slot, mtu, features; /* 0 = default */
	bool no_features;
	enum fdmode fd;
	enum post post;
	enum dp dp;
	const char *dp_err;	/* error kind the victim must count */
	/* doms role: the ACCEPT stage (after a good OFFER) */
	const char *expect2;
};

#define DEF_RING	256
/* How long a late answer is waited for after the first 5 s. */
#define LATE_MS		30000
#define DEF_SLOT	2048
#define DEF_MTU		1500

/*
 * The attacks.  Codes FD_KIND and TIMEOUT are the ones being added to
 * shmring_err.h; "FD_NOT_SEALED|FD_KIND" accepts either where the
 * document does not fix the order of the checks.
 */
static const struct acase cases[] = {
	/* ---- hostile guest: the OFFER message ---------------------------- */
	{ "offer-magic", 'g', "REJECT:MSG_MAGIC", "OFFER magic wrong",
	  .m_off = XA_M_MAGIC, .m_w = 4, .m_val = 0x43485359 },
	{ "offer-type-hello", 'g', "REJECT:MSG_BAD", "type HELLO on an OFFER "
	  "body (its epoch is HELLO's rsvd1: a known type with non-zero "
	  "reserved bytes is MSG_BAD, section 8)",
	  .m_off = XA_M_TYPE, .m_w = 2, .m_val = XA_T_HELLO },
	{ "offer-type-hello-clean", 'g', "REJECT:MSG_TYPE", "a well-formed "
	  "HELLO instead of OFFER", .m_off = XA_M_TYPE, .m_w = 2,
	  .m_val = XA_T_HELLO, .m2_off = XA_OF_EPOCH, .m2_w = 4, .m2_val = 0 },
	{ "offer-type-accept", 'g', "REJECT:MSG_BAD",
	  "type ACCEPT on an OFFER body (n_qp is ACCEPT's rsvd0)",
	  .m_off = XA_M_TYPE, .m_w = 2, .m_val = XA_T_ACCEPT },
	{ "offer-type-unknown", 'g', "REJECT:MSG_TYPE", "type 9",
	  .m_off = XA_M_TYPE, .m_w = 2, .m_val = 9 },
	{ "offer-type-zero", 'g', "REJECT:MSG_TYPE", "type 0",
	  .m_off = XA_M_TYPE, .m_w = 2, .m_val = 0 },
	{ "offer-reject", 'g', "EOF", "a REJECT instead of OFFER (DomS must "
	  "not answer a REJECT)", .m_off = -1 },
	{ "offer-version", 'g', "REJECT:MSG_VERSION", "version 2",
	  .m_off = XA_M_VERSION, .m_w = 2, .m_val = 2 },
	{ "offer-version-0", 'g', "REJECT:MSG_VERSION", "version 0",
	  .m_off = XA_M_VERSION, .m_w = 2, .m_val = 0 },
	{ "offer-rsvd-hdr0", 'g', "REJECT:MSG_BAD", "header rsvd[0] != 0",
	  .m_off = XA_M_RSVD, .m_w = 4, .m_val = 1 },
	{ "offer-rsvd-hdr1", 'g', "REJECT:MSG_BAD", "header rsvd[1] != 0",
	  .m_off = XA_M_RSVD + 4, .m_w = 4, .m_val = 0x80000000u },
	{ "offer-rsvd0", 'g', "REJECT:MSG_BAD", "OFFER rsvd0 != 0",
	  .m_off = XA_OF_RSVD0, .m_w = 2, .m_val = 1 },
	{ "offer-tail-48", 'g', "REJECT:MSG_BAD", "byte 48 != 0",
	  .m_off = XA_OF_END, .m_w = 1, .m_val = 1 },
	{ "offer-tail-127", 'g', "REJECT:MSG_BAD", "byte 127 != 0",
	  .m_off = 127, .m_w = 1, .m_val = 0xff },
	{ "offer-short", 'g', "REJECT:MSG_TRUNCATED", "127-byte OFFER",
	  .m_len = 127 },
	{ "offer-tiny", 'g', "REJECT:MSG_TRUNCATED", "1-byte OFFER",
	  .m_len = 1 },
	{ "offer-long", 'g', "REJECT:MSG_BAD", "129-byte OFFER",
	  .m_len = 129 },
	{ "offer-huge", 'g', "REJECT:MSG_BAD", "4000-byte OFFER",
	  .m_len = 4000 },
	{ "offer-features-unknown", 'g', "REJECT:HDR_FEATURES",
	  "feature bit 31", .m_off = XA_OF_FEATURES, .m_w = 4,
	  .m_val = XA_F_MULTI_SEG | 0x80000000u },
	{ "offer-features-bit1", 'g', "REJECT:HDR_FEATURES", "feature bit 1",
	  .m_off = XA_OF_FEATURES, .m_w = 4, .m_val = XA_F_MULTI_SEG | 2 },
	{ "offer-features-mismatch", 'g', "REJECT:HDR_MISMATCH",
	  "OFFER without MULTI_SEG, header with it",
	  .m_off = XA_OF_FEATURES, .m_w = 4, .m_val = 0 },
	{ "offer-nqp-0", 'g', "REJECT:HDR_QUEUES", "n_qp 0",
	  .m_off = XA_OF_N_QP, .m_w = 2, .m_val = 0 },
	{ "offer-nqp-17", 'g', "REJECT:HDR_QUEUES", "n_qp 17",
	  .m_off = XA_OF_N_QP, .m_w = 2, .m_val = 17 },
	{ "offer-nqp-65535", 'g', "REJECT:HDR_QUEUES", "n_qp 65535",
	  .m_off = XA_OF_N_QP, .m_w = 2, .m_val = 65535 },
	{ "offer-nqp-mismatch", 'g', "REJECT:HDR_SIZE",
	  "n_qp 2 in the OFFER, 1 in the header (region too small for 2)",
	  .m_off = XA_OF_N_QP, .m_w = 2, .m_val = 2 },
	{ "offer-ring-100", 'g', "REJECT:HDR_RING_SIZE", "ring size 100",
	  .m_off = XA_OF_RING, .m_w = 4, .m_val = 100 },
	{ "offer-ring-32", 'g', "REJECT:HDR_RING_SIZE", "ring size 32",
	  .m_off = XA_OF_RING, .m_w = 4, .m_val = 32 },
	{ "offer-ring-65536", 'g', "REJECT:HDR_RING_SIZE", "ring size 65536",
	  .m_off = XA_OF_RING, .m_w = 4, .m_val = 65536 },
	{ "offer-ring-0", 'g', "REJECT:HDR_RING_SIZE", "ring size 0",
	  .m_off = XA_OF_RING, .m_w = 4, .m_val = 0 },
	{ "offer-ring-2^31", 'g', "REJECT:HDR_RING_SIZE", "ring size 2^31",
	  .m_off = XA_OF_RING, .m_w = 4, .m_val = 0x80000000u },
	{ "offer-slot-128", 'g', "REJECT:HDR_SLOT_SIZE", "slot size 128",
	  .m_off = XA_OF_SLOT, .m_w = 4, .m_val = 128 },
	{ "offer-slot-2050", 'g', "REJECT:HDR_SLOT_SIZE",
	  "slot size 2050 (not a multiple of 64)",
	  .m_off = XA_OF_SLOT, .m_w = 4, .m_val = 2050 },
	{ "offer-slot-131072", 'g', "REJECT:HDR_SLOT_SIZE",
	  "slot size 131072", .m_off = XA_OF_SLOT, .m_w = 4,
	  .m_val = 131072 },
	{ "offer-slot-max", 'g', "REJECT:HDR_SLOT_SIZE", "slot size 2^32-64",
	  .m_off = XA_OF_SLOT, .m_w = 4, .m_val = 0xffffffc0u },
	{ "offer-mtu-67", 'g', "REJECT:HDR_MTU", "MTU 67",
	  .m_off = XA_OF_MTU, .m_w = 4, .m_val = 67 },
	{ "offer-mtu-9601", 'g', "REJECT:HDR_MTU", "MTU 9601",
	  .m_off = XA_OF_MTU, .m_w = 4, .m_val = 9601 },
	{ "offer-mtu-no-multiseg", 'g', "REJECT:HDR_MTU",
	  "MTU 9000 in 2048-byte slots without MULTI_SEG (offer and header "
	  "agree)", .mtu = 9000, .no_features = true },
	{ "offer-epoch", 'g', "REJECT:HDR_MISMATCH",
	  "guest_epoch differs from the header's",
	  .m_off = XA_OF_EPOCH, .m_w = 4, .m_val = 77777 },
	{ "offer-region-plus-page", 'g', "REJECT:HDR_SIZE",
	  "region_size one page more than the layout",
	  .m_off = XA_OF_REGION, .m_w = 8, .m_val = 1 /* + layout */ },
	{ "offer-region-2^33", 'g', "REJECT:HDR_SIZE", "region_size 2^33",
	  .m_off = XA_OF_REGION, .m_w = 8, .m_val = 1ull << 33 },
	{ "offer-region-0", 'g', "REJECT:HDR_SIZE", "region_size 0",
	  .m_off = XA_OF_REGION, .m_w = 8, .m_val = 0 },
	{ "offer-region-too-big", 'g', "REJECT:HDR_SIZE",
	  "an OFFER of n_qp 16, ring 4096, slot 16384: 2 GiB > the default "
	  "1 GiB "
	  "max-region)", .n_qp = 16 },
	/* ---- hostile guest: the fd ---------------------------------------- */
	{ "fd-none", 'g', "REJECT:FD_MISSING", "OFFER without fd",
	  .fd = FD_NONE },
	{ "fd-two", 'g', "REJECT:MSG_BAD", "two memfds", .fd = FD_TWO },
	{ "fd-five", 'g', "REJECT:MSG_BAD", "five fds (more than 4: "
	  "MSG_CTRUNC)", .fd = FD_FIVE },
	{ "fd-pipe", 'g', "REJECT:FD_NOT_SEALED", "a pipe",
	  .fd = FD_PIPE },
	{ "fd-regular-file", 'g', "REJECT:FD_NOT_SEALED",
	  "a regular file on disk", .fd = FD_FILE },
	{ "fd-dev-zero", 'g', "REJECT:FD_NOT_SEALED", "/dev/zero",
	  .fd = FD_DEVZERO },
	{ "fd-shm-file", 'g', "REJECT:FD_NOT_SEALED",
	  "a tmpfs file that is not a memfd (/dev/shm)", .fd = FD_SHM_FILE },
	{ "fd-unsealed", 'g', "REJECT:FD_NOT_SEALED", "memfd without seals",
	  .fd = FD_UNSEALED },
	{ "fd-no-grow-seal", 'g', "REJECT:FD_NOT_SEALED",
	  "memfd sealed SHRINK|SEAL only", .fd = FD_NO_GROW },
	{ "fd-seal-write", 'g', "REJECT:FD_NOT_SEALED",
	  "memfd with F_SEAL_WRITE as well (DomS cannot map it writable)",
	  .fd = FD_SEAL_WRITE },
	{ "fd-seal-future-write", 'g', "REJECT:FD_NOT_SEALED",
	  "memfd with F_SEAL_FUTURE_WRITE as well", .fd = FD_SEAL_FUTURE_WRITE },
	{ "fd-bigger", 'g', "REJECT:FD_SIZE", "memfd one page larger",
	  .fd = FD_BIGGER },
	{ "fd-smaller", 'g', "REJECT:FD_SIZE", "memfd one page smaller",
	  .fd = FD_SMALLER },
	{ "fd-hugetlb", 'g', "REJECT:FD_KIND",
	  "a sealed MFD_HUGETLB memfd (hugetlbfs, not tmpfs); if DomS maps "
	  "it, the attacker takes every free huge page and punches the "
	  "region: DomS dies of SIGBUS", .fd = FD_HUGETLB,
	  .post = P_HUGE_PUNCH },
	/* ---- hostile guest: the region header ----------------------------- */
	{ "hdr-magic", 'g', "REJECT:HDR_MAGIC", "header magic",
	  .h_off = XA_H_MAGIC, .h_w = 4, .h_val = 0x12345678 },
	{ "hdr-version", 'g', "REJECT:HDR_VERSION", "header version 2",
	  .h_off = XA_H_VERSION, .h_w = 4, .h_val = 2 },
	{ "hdr-features", 'g', "REJECT:HDR_FEATURES",
	  "header feature bit 7", .h_off = XA_H_FEATURES, .h_w = 4,
	  .h_val = XA_F_MULTI_SEG | 0x80 },
	{ "hdr-features-mismatch", 'g', "REJECT:HDR_MISMATCH",
	  "header without MULTI_SEG, offer with it",
	  .h_off = XA_H_FEATURES, .h_w = 4, .h_val = 0 },
	{ "hdr-hdr-size", 'g', "REJECT:HDR_SIZE", "hdr_size 8192",
	  .h_off = XA_H_HDR_SIZE, .h_w = 4, .h_val = 8192 },
	{ "hdr-region-size", 'g', "REJECT:HDR_SIZE|HDR_LAYOUT",
	  "header region_size 2^40", .h_off = XA_H_REGION_SIZE, .h_w = 8,
	  .h_val = 1ull << 40 },
	{ "hdr-nqp-0", 'g', "REJECT:HDR_QUEUES", "header n_qp 0",
	  .h_off = XA_H_N_QP, .h_w = 2, .h_val = 0 },
	{ "hdr-nqp-2", 'g', "REJECT:HDR_LAYOUT|HDR_MISMATCH",
	  "header n_qp 2 (offer 1)", .h_off = XA_H_N_QP, .h_w = 2,
	  .h_val = 2 },
	{ "hdr-ring-size", 'g', "REJECT:HDR_RING_SIZE", "header ring 1000",
	  .h_off = XA_H_RING_SIZE, .h_w = 4, .h_val = 1000 },
	{ "hdr-ring-size-other", 'g', "REJECT:HDR_LAYOUT|HDR_MISMATCH",
	  "header ring 128 (offer 256)", .h_off = XA_H_RING_SIZE, .h_w = 4,
	  .h_val = 128 },
	{ "hdr-slot-size", 'g', "REJECT:HDR_SLOT_SIZE", "header slot 100",
	  .h_off = XA_H_SLOT_SIZE, .h_w = 4, .h_val = 100 },
	{ "hdr-mtu", 'g', "REJECT:HDR_MTU", "header MTU 10000",
	  .h_off = XA_H_MTU, .h_w = 4, .h_val = 10000 },
	{ "hdr-mtu-other", 'g', "REJECT:HDR_MISMATCH",
	  "header MTU 1400 (offer 1500)", .h_off = XA_H_MTU, .h_w = 4,
	  .h_val = 1400 },
	{ "hdr-rings-offset", 'g', "REJECT:HDR_LAYOUT", "rings_offset 0",
	  .h_off = XA_H_RINGS_OFFSET, .h_w = 4, .h_val = 0 },
	{ "hdr-ring-stride", 'g', "REJECT:HDR_LAYOUT", "ring_stride 64",
	  .h_off = XA_H_RING_STRIDE, .h_w = 4, .h_val = 64 },
	{ "hdr-buf-offset", 'g', "REJECT:HDR_LAYOUT", "buf_offset 0",
	  .h_off = XA_H_BUF_OFFSET, .h_w = 8, .h_val = 0 },
	{ "hdr-buf-offset-far", 'g', "REJECT:HDR_LAYOUT",
	  "buf_offset 2^63", .h_off = XA_H_BUF_OFFSET, .h_w = 8,
	  .h_val = 1ull << 63 },
	{ "hdr-buf-size", 'g', "REJECT:HDR_LAYOUT", "buf_size 2^33",
	  .h_off = XA_H_BUF_SIZE, .h_w = 8, .h_val = 1ull << 33 },
	{ "hdr-guest-epoch", 'g', "REJECT:HDR_MISMATCH",
	  "header guest.epoch differs from the OFFER's",
	  .h_off = XA_H_GUEST + XA_S_EPOCH, .h_w = 4, .h_val = 4242 },
	{ "hdr-junk-sides", 'g', "ACCEPT",
	  "garbage in rsvd, pad and both side lines (not checked: must "
	  "attach)", .h_off = -1, .post = P_NONE },
	/* ---- hostile guest: control games --------------------------------- */
	{ "close-mid", 'g', "EOF", "close right after HELLO, no OFFER",
	  .post = P_CLOSE_MID },
	{ "silent", 'g', "EOF",
	  "read HELLO, never answer: DomS must give up (1 s a step) and "
	  "close", .post = P_SILENT },
	{ "double-offer", 'g', "ACCEPT",
	  "a second OFFER right after the first: DomS must drop the "
	  "connection (anything after ACCEPT is a protocol error)",
	  .post = P_DOUBLE },
	{ "hold", 'g', "EOF", "silent, over and over until killed "
	  "(a peer that holds DomS's handshakes open)", .post = P_HOLD },
	{ "flap", 'g', "ACCEPT", "attach and leave 16 times: the reconnect "
	  "back-off must grow (flap damping)", .post = P_FLAP },
	{ "timing", 'g', "ACCEPT", "a good guest: attach time and "
	  "leave-detection time over -r rounds (socket PATH_<i>.sock)",
	  .post = P_TIMING },
	/* ---- hostile guest: data path (each disables the port) ---------- */
	{ "desc-oob", 'g', "ACCEPT", "descriptor offset+len past buf_size",
	  .post = P_DP_DIE, .dp = DP_DESC_OOB, .dp_err = "DESC_OUT_OF_BOUNDS" },
	{ "desc-oob-wrap", 'g', "ACCEPT",
	  "offset 0xfffffff8 len 16 (wraps a 32-bit sum)", .post = P_DP_DIE,
	  .dp = DP_DESC_OOB_WRAP, .dp_err = "DESC_OUT_OF_BOUNDS" },
	{ "desc-zero", 'g', "ACCEPT", "len 0", .post = P_DP_DIE,
	  .dp = DP_DESC_ZERO, .dp_err = "DESC_ZERO_LEN" },
	{ "desc-too-long", 'g', "ACCEPT", "len slot+1", .post = P_DP_DIE,
	  .dp = DP_DESC_TOO_LONG, .dp_err = "DESC_TOO_LONG" },
	{ "desc-bad-flags", 'g', "ACCEPT", "flags 0x8000", .post = P_DP_DIE,
	  .dp = DP_BAD_FLAGS, .dp_err = "DESC_BAD_FLAGS" },
	{ "chain-truncated", 'g', "ACCEPT", "NEXT on the last published "
	  "descriptor", .post = P_DP_DIE, .dp = DP_CHAIN_TRUNC,
	  .dp_err = "DESC_CHAIN_TRUNCATED" },
	{ "chain-too-long", 'g', "ACCEPT", "65 chained descriptors",
	  .post = P_DP_DIE, .dp = DP_CHAIN_LONG,
	  .dp_err = "DESC_CHAIN_TOO_LONG" },
	{ "frame-too-long", 'g', "ACCEPT", "two full slots > MTU+22",
	  .post = P_DP_DIE, .dp = DP_FRAME_LONG, .dp_err = "FRAME_TOO_LONG" },
	{ "prod-ahead", 'g', "ACCEPT", "prod = cons + ring + 5",
	  .post = P_DP_DIE, .dp = DP_PROD_AHEAD, .dp_err = "RING_PROD_AHEAD" },
	{ "cons-ahead", 'g', "ACCEPT", "d2g cons 2^31 ahead of prod "
	  "(needs traffic towards us)", .post = P_DP_DIE, .dp = DP_CONS_AHEAD,
	  .dp_err = "RING_CONS_AHEAD" },
	{ "cons-behind", 'g', "ACCEPT", "d2g cons moved back by 2 rings",
	  .post = P_DP_DIE, .dp = DP_CONS_BEHIND, .dp_err = "RING_CONS_AHEAD" },
	{ "attach-prod-ahead", 'g', "ACCEPT",
	  "g2d prod = ring + 5 before the OFFER", .post = P_DP_DIE,
	  .dp = DP_ATTACH_PROD_AHEAD, .dp_err = "RING_PROD_AHEAD" },
	{ "attach-cons-ahead", 'g', "ACCEPT",
	  "d2g cons = 1000 before the OFFER (prod 0)", .post = P_DP_DIE,
	  .dp = DP_ATTACH_CONS_AHEAD, .dp_err = "RING_CONS_AHEAD" },
	{ "race", 'g', "ACCEPT", "a thread rewrites prod and descriptors at "
	  "random while DomS consumes", .post = P_RACE, .dp_err = "any" },
	{ "index-wrap", 'g', "ACCEPT", "all indices start at 2^32-100: "
	  "frames across the wrap must flow, nothing disabled",
	  .post = P_WRAP },
	{ "punch-hole", 'g', "ACCEPT", "fallocate(PUNCH_HOLE) over the "
	  "buffer area after attach, then a descriptor into the hole: DomS "
	  "reads zeros, lives, stays attached", .post = P_PUNCH },
	{ "multiseg-nofeat", 'g', "ACCEPT", "a 2-descriptor NEXT chain from "
	  "a guest that did not offer MULTI_SEG", .no_features = true,
	  .post = P_DP_DIE, .dp = DP_MULTISEG, .dp_err = "DESC_BAD_FLAGS" },
	{ "chain-64-at-prod", 'g', "ACCEPT", "64 NEXT descriptors ending "
	  "exactly at prod (the tie: prod wins)", .post = P_DP_DIE,
	  .dp = DP_CHAIN_TIE, .dp_err = "DESC_CHAIN_TRUNCATED" },
	/* ---- hostile DomS against net_xenshm_guest: HELLO ---------------- */
	{ "hello-magic", 'd', "REJECT:MSG_MAGIC", "HELLO magic",
	  .m_off = XA_M_MAGIC, .m_w = 4, .m_val = 0 },
	{ "hello-type-offer", 'd', "REJECT:MSG_TYPE", "OFFER instead of "
	  "HELLO", .m_off = XA_M_TYPE, .m_w = 2, .m_val = XA_T_OFFER },
	{ "hello-type-unknown", 'd', "REJECT:MSG_TYPE", "type 5",
	  .m_off = XA_M_TYPE, .m_w = 2, .m_val = 5 },
	{ "hello-reject", 'd', "EOF", "a REJECT instead of HELLO (the guest "
	  "must not answer a REJECT)", .m_off = -1 },
	{ "hello-version", 'd', "REJECT:MSG_VERSION", "version 3",
	  .m_off = XA_M_VERSION, .m_w = 2, .m_val = 3 },
	{ "hello-rsvd-hdr", 'd', "REJECT:MSG_BAD", "header rsvd != 0",
	  .m_off = XA_M_RSVD + 2, .m_w = 1, .m_val = 1 },
	{ "hello-rsvd0", 'd', "REJECT:MSG_BAD", "HELLO rsvd0 != 0",
	  .m_off = XA_HE_RSVD0, .m_w = 2, .m_val = 1 },
	{ "hello-rsvd1", 'd', "REJECT:MSG_BAD", "HELLO rsvd1 != 0",
	  .m_off = XA_HE_RSVD1, .m_w = 4, .m_val = 1 },
	{ "hello-tail", 'd', "REJECT:MSG_BAD", "byte 100 != 0",
	  .m_off = 100, .m_w = 1, .m_val = 1 },
	{ "hello-short", 'd', "REJECT:MSG_TRUNCATED", "64-byte HELLO",
	  .m_len = 64 },
	{ "hello-long", 'd', "REJECT:MSG_BAD", "200-byte HELLO",
	  .m_len = 200 },
	{ "hello-fd", 'd', "REJECT:MSG_BAD", "HELLO with an fd",
	  .fd = FD_UNSEALED },
	{ "hello-features-none", 'd', "REJECT:HDR_FEATURES|OFFER",
	  "HELLO without MULTI_SEG (the guest needs it, or offers without)",
	  .m_off = XA_HE_FEATURES, .m_w = 4, .m_val = 0 },
	{ "hello-features-unknown", 'd', "OFFER", "HELLO lists feature bit "
	  "30, which the guest does not know (ignored; never offered)",
	  .m_off = XA_HE_FEATURES, .m_w = 4, .m_val = XA_F_MULTI_SEG |
	  0x40000000u },
	{ "hello-max-qp-0", 'd', "REJECT:HDR_QUEUES", "max_qp 0",
	  .m_off = XA_HE_MAX_QP, .m_w = 2, .m_val = 0 },
	{ "hello-max-ring-64", 'd', "REJECT:HDR_RING_SIZE",
	  "max_ring_size 64 (guest uses the default 1024)",
	  .m_off = XA_HE_MAX_RING, .m_w = 4, .m_val = 64 },
	{ "hello-max-slot-256", 'd', "REJECT:HDR_SLOT_SIZE",
	  "max_slot_size 256", .m_off = XA_HE_MAX_SLOT, .m_w = 4,
	  .m_val = 256 },
	{ "hello-max-mtu-68", 'd', "REJECT:HDR_MTU", "max_mtu 68",
	  .m_off = XA_HE_MAX_MTU, .m_w = 4, .m_val = 68 },
	{ "hello-max-region-4k", 'd', "REJECT:HDR_SIZE",
	  "max_region_size 4096", .m_off = XA_HE_MAX_REGION, .m_w = 8,
	  .m_val = 4096 },
	{ "hello-silent", 'd', "EOF", "connect, never send HELLO: the guest "
	  "must give up and close", .post = P_SILENT },
	{ "hello-close", 'd', "EOF", "connect and close at once",
	  .post = P_CLOSE_MID },
	/* ---- hostile DomS: ACCEPT stage (stage 1 is a good HELLO) ------- */
	{ "accept-magic", 'd', "OFFER", "ACCEPT magic", .expect2 =
	  "REJECT:MSG_MAGIC", .m_off = XA_M_MAGIC, .m_w = 4, .m_val = 7 },
	{ "accept-type-hello", 'd', "OFFER", "HELLO instead of ACCEPT",
	  .expect2 = "REJECT:MSG_TYPE", .m_off = XA_M_TYPE, .m_w = 2,
	  .m_val = XA_T_HELLO },
	{ "accept-version", 'd', "OFFER", "ACCEPT version 2",
	  .expect2 = "REJECT:MSG_VERSION", .m_off = XA_M_VERSION, .m_w = 2,
	  .m_val = 2 },
	{ "accept-rsvd0", 'd', "OFFER", "ACCEPT rsvd0",
	  .expect2 = "REJECT:MSG_BAD", .m_off = XA_AC_RSVD0, .m_w = 4,
	  .m_val = 9 },
	{ "accept-tail", 'd', "OFFER", "ACCEPT byte 64",
	  .expect2 = "REJECT:MSG_BAD", .m_off = 64, .m_w = 1, .m_val = 9 },
	{ "accept-short", 'd', "OFFER", "20-byte ACCEPT",
	  .expect2 = "REJECT:MSG_TRUNCATED", .m_len = 20 },
	{ "accept-fd", 'd', "OFFER", "ACCEPT with an fd",
	  .expect2 = "REJECT:MSG_BAD", .fd = FD_UNSEALED },
	{ "accept-reject", 'd', "OFFER", "REJECT instead of ACCEPT",
	  .expect2 = "EOF", .m_off = -1 },
	{ "accept-silent", 'd', "OFFER", "never ACCEPT", .expect2 = "EOF",
	  .post = P_SILENT },
	{ "accept-close", 'd', "OFFER", "close instead of ACCEPT",
	  .expect2 = "EOF", .post = P_CLOSE_MID },
	{ "second-hello", 'd', "OFFER", "ACCEPT, then another HELLO: the "
	  "guest must disconnect", .expect2 = "EOF", .post = P_SECOND_HELLO },
	{ "busy", 'd', "REJECT:BUSY", "a second DomS while one is attached",
	  .m_w = 0 },
	{ "busy-flood", 'd', "REJECT:BUSY", "40 DomS connections while one "
	  "is attached: each refused BUSY (or by the backlog), the attached "
	  "one undisturbed", .post = P_BUSY_FLOOD },
	{ "d2g-desc-oob", 'd', "OFFER", "good ACCEPT, then a d2g descriptor "
	  "past buf_size; held until -h FILE exists", .expect2 = "ACCEPT",
	  .post = P_DP_DIE, .dp = DP_DESC_OOB, .dp_err = "DESC_OUT_OF_BOUNDS" },
	{ "d2g-prod-ahead", 'd', "OFFER", "good ACCEPT, then d2g prod far "
	  "ahead; held until -h FILE exists", .expect2 = "ACCEPT",
	  .post = P_DP_DIE, .dp = DP_PROD_AHEAD, .dp_err = "RING_PROD_AHEAD" },
	{ .name = NULL },
};

static const struct acase *
case_find(const char *name)
{
	const struct acase *c;

	for (c = cases; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void
put_w(uint8_t *b, int off, int w, uint64_t v)
{
	switch (w) {
	case 1: xa_put8(b, (size_t)off, (uint8_t)v); break;
	case 2: xa_put16(b, (size_t)off, (uint16_t)v); break;
	case 4: xa_put32(b, (size_t)off, (uint32_t)v); break;
	case 8: xa_put64(b, (size_t)off, v); break;
	}
}

/* ------------------------------------------------------ fd games */

/* The fds to send with the OFFER for 'mode'; count, or -1 (why set). */
static int
make_fds(enum fdmode mode, struct region *r, int *fds, char *why, size_t wl)
{
	int p[2], fd, n = 0, i;
	char path[64];

	switch (mode) {
	case FD_NONE:
		return 0;
	case FD_GOOD:
	case FD_HUGETLB:
		fds[0] = dup(r->fd);
		return 1;
	case FD_TWO:
		fds[0] = dup(r->fd);
		fds[1] = dup(r->fd);
		return 2;
	case FD_FIVE:
		for (i = 0; i < 5; i++)
			fds[i] = dup(r->fd);
		return 5;
	case FD_PIPE:
		if (pipe2(p, O_CLOEXEC) != 0)
			break;
		close(p[1]);
		fds[0] = p[0];
		return 1;
	case FD_FILE:
	case FD_SHM_FILE:
		/* a plain file of the region's size: on disk, or on tmpfs */
		snprintf(path, sizeof(path), "%s/xenshm-attack.%d",
			 mode == FD_FILE ? "/var/tmp" : "/dev/shm",
			 (int)getpid());
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			break;
		unlink(path);
		if (ftruncate(fd, (off_t)r->l.region_size) != 0) {
			close(fd);
			break;
		}
		fds[0] = fd;
		return 1;
	case FD_DEVZERO:
		fds[0] = open("/dev/zero", O_RDWR | O_CLOEXEC);
		return fds[0] < 0 ? -1 : 1;
	case FD_UNSEALED:
	case FD_NO_GROW:
	case FD_SEAL_WRITE:
	case FD_SEAL_FUTURE_WRITE:
	case FD_BIGGER:
	case FD_SMALLER:
		/* A memfd of its own, with the same header. */
		fd = memfd_create("xenshm-attack-fd",
				  MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (fd < 0)
			break;
		{
			uint64_t sz = r->l.region_size +
				(mode == FD_BIGGER ? XA_PAGE : 0) -
				(mode == FD_SMALLER ? XA_PAGE : 0);

			if (ftruncate(fd, (off_t)sz) != 0 ||
			    pwrite(fd, r->base, XA_PAGE, 0) != XA_PAGE) {
				close(fd);
				break;
			}
		}
		n = mode == FD_UNSEALED ? 0 :
			mode == FD_NO_GROW ? F_SEAL_SHRINK | F_SEAL_SEAL :
			mode == FD_SEAL_WRITE ? REQ_SEALS | F_SEAL_WRITE :
			mode == FD_SEAL_FUTURE_WRITE ?
			(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE |
			 F_SEAL_SEAL) : REQ_SEALS;
		if (n != 0 && fcntl(fd, F_ADD_SEALS, n) != 0) {
			snprintf(why, wl, "F_ADD_SEALS 0x%x: %s", n,
				 strerror(errno));
			close(fd);
			return -1;
		}
		fds[0] = fd;
		return 1;
	}
	snprintf(why, wl, "cannot make the fd: %s", strerror(errno));
	return -1;
}

/* ------------------------------------------------- guest role: listen */

static int
listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "xenshm-attack: path too long\n");
		return -1;
	}
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 4) != 0) {
		fprintf(stderr, "xenshm-attack: listen on %s: %s\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int
accept_within(int lfd, unsigned int timeout_ms)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	uint64_t end = now_ms() + timeout_ms;
	int rc;

	while (!stop_requested) {
		uint64_t t = now_ms();

		if (t >= end)
			return -1;
		rc = poll(&pfd, 1, (int)(end - t));
		if (rc > 0)
			return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (rc < 0 && errno != EINTR)
			return -1;
	}
	return -1;
}

/* HELLO from DomS: section 8, and sane limits. */
static int
hello_check(const struct got *g)
{
	const uint8_t *b = g->b;
	uint32_t f;

	if (g->kind != G_MSG) {
		char s[200];

		printf("  DomS sent %s instead of HELLO\n", got_str(g, s,
								   sizeof(s)));
		return -1;
	}
	if (msg_spec_check(g, "DomS's HELLO") != 0 || !got_is(g, XA_T_HELLO))
		return -1;
	f = xa_get32(b, XA_HE_FEATURES);
	if (f & ~XA_F_MULTI_SEG)
		spec_fail("DomS's HELLO lists unknown feature bits 0x%x", f);
	if (xa_get16(b, XA_HE_MAX_QP) < 1 ||
	    xa_get16(b, XA_HE_MAX_QP) > XA_MAX_QP ||
	    xa_get32(b, XA_HE_MAX_RING) < XA_MIN_RING ||
	    xa_get32(b, XA_HE_MAX_SLOT) < XA_MIN_SLOT ||
	    xa_get32(b, XA_HE_MAX_MTU) < XA_MIN_MTU ||
	    xa_get64(b, XA_HE_MAX_REGION) == 0)
		spec_fail("DomS's HELLO limits admit nothing (qp %u ring %u "
			  "slot %u mtu %u region %llu)",
			  xa_get16(b, XA_HE_MAX_QP), xa_get32(b, XA_HE_MAX_RING),
			  xa_get32(b, XA_HE_MAX_SLOT), xa_get32(b, XA_HE_MAX_MTU),
			  (unsigned long long)xa_get64(b, XA_HE_MAX_REGION));
	return 0;
}

static void
offer_build(uint8_t *m, const struct region *r, uint32_t epoch)
{
	memset(m, 0, XA_MSG_SIZE);
	xa_put32(m, XA_M_MAGIC, XA_MSG_MAGIC);
	xa_put16(m, XA_M_TYPE, XA_T_OFFER);
	xa_put16(m, XA_M_VERSION, XA_VERSION);
	xa_put32(m, XA_OF_FEATURES, r->l.features);
	xa_put16(m, XA_OF_N_QP, (uint16_t)r->l.n_qp);
	xa_put32(m, XA_OF_RING, r->l.ring_size);
	xa_put32(m, XA_OF_SLOT, r->l.slot_size);
	xa_put32(m, XA_OF_MTU, r->l.mtu);
	xa_put32(m, XA_OF_EPOCH, epoch);
	xa_put64(m, XA_OF_REGION, r->l.region_size);
}

static void
reject_build(uint8_t *m, uint32_t code, const char *reason)
{
	memset(m, 0, XA_MSG_SIZE);
	xa_put32(m, XA_M_MAGIC, XA_MSG_MAGIC);
	xa_put16(m, XA_M_TYPE, XA_T_REJECT);
	xa_put16(m, XA_M_VERSION, XA_VERSION);
	xa_put32(m, XA_RJ_CODE, code);
	snprintf((char *)m + XA_RJ_REASON, XA_RJ_REASON_LEN, "%s", reason);
}

/* After ACCEPT: DomS's side line says CONNECTED with the ACCEPT's epoch. */
static void
accept_spec_check(const struct got *g, struct region *r, bool may_leave)
{
	uint8_t *h = r->base;

	msg_spec_check(g, "DomS's ACCEPT");
	/* (A DomS that refuses the rings right after ACCEPT may be gone.) */
	if (!may_leave && __atomic_load_n(h + XA_H_DOMS + XA_S_LIVE, __ATOMIC_ACQUIRE) !=
	    XA_LIVE_CONNECTED)
		spec_fail("after ACCEPT, doms.live is %u, not CONNECTED",
			  h[XA_H_DOMS + XA_S_LIVE]);
	if (xa_get32(h, XA_H_DOMS + XA_S_EPOCH) !=
	    xa_get32(g->b, XA_AC_EPOCH))
		spec_fail("ACCEPT's doms_epoch %u != doms.epoch %u in the "
			  "region", xa_get32(g->b, XA_AC_EPOCH),
			  xa_get32(h, XA_H_DOMS + XA_S_EPOCH));
}

/* The guest's epoch goes up before each OFFER (section 10). */
static uint32_t
bump_epoch(struct region *r)
{
	uint32_t e = xa_get32(r->base, XA_H_GUEST + XA_S_EPOCH) + 1;

	xa_put32(r->base, XA_H_GUEST + XA_S_EPOCH, e);
	return e;
}

/* ------------------------------------------- guest role: data path */

struct race_arg {
	struct prod *p;
	volatile bool stop;
	unsigned long writes;
};

static void *
race_thread(void *arg)
{
	struct race_arg *a = arg;
	struct prod *p = a->p;
	uint32_t x = (uint32_t)now_us() | 1;

	while (!a->stop) {
		uint32_t i;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		i = x & (p->r->l.ring_size - 1);
		/* A descriptor that is valid, then not, then valid... */
		put_desc(p, i, slot_off(p, i), (x >> 8) % 3 == 0 ? 0 : 64,
			 (uint16_t)((x >> 12) & 1));
		/* ...and a producer index that jumps around. */
		st_rel(p->hdr + XA_R_PROD, p->prod + (x >> 20) % 2048);
		a->writes++;
	}
	return NULL;
}

/* Write data-path attack 'dp' on the g2d ring 0 or d2g ring 0. */
static void
dp_write(enum dp dp, struct prod *p, struct region *r, bool doms_role)
{
	uint32_t slot = r->l.slot_size, off = slot_off(p, p->prod);
	uint8_t *peer_ring = ring_at(r, doms_role ? 0 : 1);
	unsigned int i;

	switch (dp) {
	case DP_DESC_OOB:
		put_desc(p, p->prod, (uint32_t)r->l.buf_size - 10, 64, 0);
		break;
	case DP_DESC_OOB_WRAP:
		put_desc(p, p->prod, 0xfffffff8u, 16, 0);
		break;
	case DP_DESC_ZERO:
		put_desc(p, p->prod, off, 0, 0);
		break;
	case DP_DESC_TOO_LONG:
		put_desc(p, p->prod, off, slot + 1, 0);
		break;
	case DP_BAD_FLAGS:
		frame_fill(r->base + r->l.buf_offset + off, 64, 0);
		put_desc(p, p->prod, off, 64, 0x8000);
		break;
	case DP_CHAIN_TRUNC:
		put_desc(p, p->prod, off, 64, XA_DESC_F_NEXT);
		break;
	case DP_CHAIN_LONG:
		for (i = 0; i <= XA_MAX_SEGS; i++)
			put_desc(p, p->prod + i, slot_off(p, p->prod + i), 14,
				 i < XA_MAX_SEGS ? XA_DESC_F_NEXT : 0);
		p->prod += XA_MAX_SEGS;
		break;
	case DP_MULTISEG:
		frame_fill(r->base + r->l.buf_offset + off, 64, 0);
		put_desc(p, p->prod, off, 64, XA_DESC_F_NEXT);
		put_desc(p, p->prod + 1, slot_off(p, p->prod + 1), 64, 0);
		p->prod += 1;
		break;
	case DP_CHAIN_TIE:
		for (i = 0; i < XA_MAX_SEGS; i++)
			put_desc(p, p->prod + i, slot_off(p, p->prod + i), 14,
				 XA_DESC_F_NEXT);
		p->prod += XA_MAX_SEGS - 1;
		break;
	case DP_FRAME_LONG:
		put_desc(p, p->prod, off, slot, XA_DESC_F_NEXT);
		put_desc(p, p->prod + 1, slot_off(p, p->prod + 1), slot, 0);
		p->prod += 1;
		break;
	case DP_PROD_AHEAD:
		st_rel(p->hdr + XA_R_PROD, p->prod + r->l.ring_size + 5);
		return;
	case DP_CONS_AHEAD:
		st_rel(peer_ring + XA_R_CONS, 0x80000000u +
		       ld_acq(peer_ring + XA_R_PROD));
		return;
	case DP_CONS_BEHIND:
		st_rel(peer_ring + XA_R_CONS, ld_acq(peer_ring + XA_R_PROD) -
		       2 * r->l.ring_size);
		return;
	default:
		return;
	}
	p->prod += 1;
	st_rel(p->hdr + XA_R_PROD, p->prod);
}

/* Keep our d2g consumer honest (release what DomS sends us). */
static void
drain_rx(struct region *r, unsigned int ring)
{
	uint8_t *h = ring_at(r, ring);

	st_rel(h + XA_R_CONS, ld_acq(h + XA_R_PROD));
}

static int
post_dp_die(const struct acase *c, struct region *r, int sock)
{
	struct prod p;
	uint32_t seq = 0;
	unsigned int i;
	long t;

	prod_init(&p, r, 0);
	if (c->dp == DP_ATTACH_PROD_AHEAD || c->dp == DP_ATTACH_CONS_AHEAD) {
		t = wait_eof(sock, opt_timeout_s * 1000);
		if (t < 0) {
			result(c->name, 0, "DomS attached to rings with bad "
			       "indices and stayed (expected %s, port "
			       "disabled, connection closed)", c->dp_err);
			return 0;
		}
		result(c->name, 1, "DomS refused the rings and left after %ld "
		       "ms (victim counts %s)", t, c->dp_err);
		return 1;
	}
	send_good(&p, 32, &seq);
	if (!wait_consumed(&p, sock, opt_timeout_s * 1000)) {
		result(c->name, 0, "DomS did not consume 32 good frames");
		return 0;
	}
	if (c->dp == DP_CONS_AHEAD || c->dp == DP_CONS_BEHIND) {
		/* DomS must produce into our d2g ring to notice. */
		uint8_t *d2g = ring_at(r, 1);
		uint64_t end = now_ms() + opt_timeout_s * 1000;

		while (ld_acq(d2g + XA_R_PROD) == 0 && now_ms() < end) {
			usleep(2000);
			drain_rx(r, 1);
		}
		if (ld_acq(d2g + XA_R_PROD) == 0) {
			result(c->name, 2, "DomS never sent us a frame");
			return 1;
		}
	}
	dp_write(c->dp, &p, r, false);
	t = wait_eof(sock, opt_timeout_s * 1000);
	if (t < 0) {
		result(c->name, 0, "DomS still attached %u s after the attack "
		       "(expected: %s counted, port disabled, region unmapped)",
		       opt_timeout_s, c->dp_err);
		return 0;
	}
	/* The unmap comes first: doms.live says GONE. */
	for (i = 0; i < 100 && r->base[XA_H_DOMS + XA_S_LIVE] != XA_LIVE_GONE;
	     i++)
		usleep(10000);
	if (r->base[XA_H_DOMS + XA_S_LIVE] != XA_LIVE_GONE)
		spec_fail("DomS left but doms.live is %u, not GONE",
			  r->base[XA_H_DOMS + XA_S_LIVE]);
	result(c->name, 1, "DomS disabled the port and left %ld ms after the "
	       "attack (victim must count %s)", t, c->dp_err);
	return 1;
}

static int
post_race(const struct acase *c, struct region *r, int sock)
{
	struct race_arg a = { 0 };
	struct prod p;
	pthread_t th;
	uint32_t seq = 0;
	long t;

	prod_init(&p, r, 0);
	send_good(&p, 32, &seq);
	wait_consumed(&p, sock, opt_timeout_s * 1000);
	a.p = &p;
	pthread_create(&th, NULL, race_thread, &a);
	t = wait_eof(sock, opt_timeout_s * 1000);
	a.stop = true;
	pthread_join(th, NULL);
	if (t < 0) {
		result(c->name, 0, "%lu racing rewrites in %u s and DomS is "
		       "still attached", a.writes, opt_timeout_s);
		return 0;
	}
	result(c->name, 1, "DomS disabled the port %ld ms into the race "
	       "(%lu rewrites)", t, a.writes);
	return 1;
}

static int
post_wrap(const struct acase *c, struct region *r, int sock)
{
	struct prod p;
	uint32_t seq = 0, start;
	unsigned int sent = 0;
	uint64_t end = now_ms() + opt_timeout_s * 1000;

	prod_init(&p, r, 0);
	start = p.prod;
	while (sent < 1000 && now_ms() < end) {
		sent += send_good(&p, 50, &seq);
		drain_rx(r, 1);
		if (!wait_consumed(&p, sock, opt_timeout_s * 1000))
			break;
	}
	if (sent < 1000 || wait_eof(sock, 200) >= 0) {
		result(c->name, 0, "only %u of 1000 frames consumed across the "
		       "wrap (prod %u -> %u, cons %u)", sent, start, p.prod,
		       ld_acq(p.hdr + XA_R_CONS));
		return 0;
	}
	result(c->name, 1, "1000 frames consumed across the wrap (prod %u -> "
	       "%u), still attached", start, p.prod);
	return 1;
}

static int
post_punch(const struct acase *c, struct region *r, int sock)
{
	struct prod p;
	uint32_t seq = 0, off;
	unsigned int i;

	prod_init(&p, r, 0);
	send_good(&p, 16, &seq);
	if (!wait_consumed(&p, sock, opt_timeout_s * 1000)) {
		result(c->name, 0, "DomS did not consume the good frames");
		return 0;
	}
	if (fallocate(r->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)r->l.buf_offset, (off_t)r->l.buf_size) != 0) {
		result(c->name, 2, "fallocate(PUNCH_HOLE): %s", strerror(errno));
		return 1;
	}
	/* Descriptors into the hole: DomS must read zeros (shmem). */
	for (i = 0; i < 8; i++) {
		off = slot_off(&p, p.prod);
		put_desc(&p, p.prod, off, 64, 0);
		p.prod++;
	}
	st_rel(p.hdr + XA_R_PROD, p.prod);
	if (!wait_consumed(&p, sock, opt_timeout_s * 1000)) {
		result(c->name, 0, "DomS did not consume the 8 descriptors "
		       "into the hole (dead, or left: %s)",
		       wait_eof(sock, 0) >= 0 ? "connection closed" :
		       "still connected");
		return 0;
	}
	/* And good frames flow after it: the port was not disabled. */
	send_good(&p, 16, &seq);
	if (!wait_consumed(&p, sock, opt_timeout_s * 1000) ||
	    wait_eof(sock, 100) >= 0) {
		result(c->name, 0, "after the hole DomS stopped consuming");
		return 0;
	}
	result(c->name, 1, "DomS consumed 8 frames from the punched hole (all "
	       "zero) and kept going");
	return 1;
}

/* Take every free 2 MiB page into a memfd of our own; returns its fd. */
static int
reserve_huge_pages(unsigned long *n_out)
{
	unsigned long n = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");
	int fd;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "HugePages_Free: %lu", &n) == 1)
			break;
	if (f != NULL)
		fclose(f);
	*n_out = n;
	if (n == 0)
		return -1;
	fd = memfd_create("xenshm-attack-hog", MFD_CLOEXEC | MFD_HUGETLB |
			  MFD_HUGE_2MB);
	if (fd < 0)
		return -1;
	/* fallocate grabs them now, not at fault time. */
	while (n > 0 && fallocate(fd, 0, 0, (off_t)(n * HUGE_2M)) != 0)
		n--;
	*n_out = n;
	return fd;
}

static int
post_huge_punch(const struct acase *c, struct region *r, int sock,
		const struct got *g)
{
	char s[200];
	unsigned long n;
	struct prod p;
	uint32_t seq = 0;
	int hog;
	long t;

	prod_init(&p, r, 0);
	send_good(&p, 8, &seq);
	wait_consumed(&p, sock, opt_timeout_s * 1000);
	/*
	 * The region's second huge page holds only buffer slots.  Punching
	 * it gives the page back to the pool, so take every free page only
	 * afterwards: then DomS's next touch of it finds none.
	 */
	hog = -1;
	if (fallocate(r->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)HUGE_2M, (off_t)HUGE_2M) != 0) {
		result(c->name, 0, "expected %s, got %s; punch failed: %s",
		       c->expect, got_str(g, s, sizeof(s)), strerror(errno));
		goto out;
	}
	hog = reserve_huge_pages(&n);
	/* A descriptor into the hole (buffer offset of byte 2 MiB + 4 KiB). */
	put_desc(&p, p.prod, (uint32_t)(HUGE_2M + XA_PAGE - r->l.buf_offset),
		 64, 0);
	p.prod++;
	st_rel(p.hdr + XA_R_PROD, p.prod);
	t = wait_eof(sock, 5000);
	result(c->name, 0, "expected %s, got %s: DomS mapped a hugetlbfs "
	       "region; its 2nd huge page punched, then the %lu free huge "
	       "pages taken, a descriptor published into the hole: %s",
	       c->expect,
	       got_str(g, s, sizeof(s)), n, t >= 0 ?
	       "DomS's connection closed right after (SIGBUS?)" :
	       wait_consumed(&p, -1, 10) ?
	       "DomS consumed it and lives" : "DomS still attached");
out:
	if (hog >= 0)
		close(hog);
	return 0;
}

/* One good handshake on a fresh connection; 0 and *sockp on ACCEPT. */
static int
good_handshake(int lfd, struct region *r, unsigned int timeout_ms,
	       int *sockp, uint64_t *t_accept_us)
{
	uint8_t m[XA_MSG_SIZE];
	struct got g;
	int sock, fd;

	sock = accept_within(lfd, timeout_ms);
	if (sock < 0)
		return -1;
	get_msg(sock, 5000, &g);
	if (hello_check(&g) != 0) {
		got_close_fds(&g);
		close(sock);
		return -1;
	}
	offer_build(m, r, bump_epoch(r));
	fd = r->fd;
	send_raw(sock, m, XA_MSG_SIZE, &fd, 1);
	get_msg(sock, 5000, &g);
	if (!got_is(&g, XA_T_ACCEPT)) {
		char s[200];

		printf("  handshake: got %s\n", got_str(&g, s, sizeof(s)));
		got_close_fds(&g);
		close(sock);
		return -1;
	}
	accept_spec_check(&g, r, false);
	r->base[XA_H_GUEST + XA_S_LIVE] = XA_LIVE_CONNECTED;
	if (t_accept_us != NULL)
		*t_accept_us = g.at_us;
	*sockp = sock;
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
median(uint64_t *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Flap: attach and leave; the interval between DomS's connects. */
static int
post_flap(const struct acase *c, struct region *r, int lfd, int sock)
{
	uint64_t t[17], iv[16];
	unsigned int i, n = 0;
	uint64_t med;

	close(sock);	/* first leave */
	t[n++] = now_us();
	for (i = 0; i < 16 && !stop_requested; i++) {
		if (good_handshake(lfd, r, opt_timeout_s * 1000, &sock,
				   NULL) != 0)
			break;
		t[n++] = now_us();
		close(sock);	/* leave at once */
	}
	printf("  flap: intervals between leave and the next attach (ms):");
	for (i = 1; i < n; i++) {
		iv[i - 1] = (t[i] - t[i - 1]) / 1000;
		printf(" %llu", (unsigned long long)iv[i - 1]);
	}
	printf("\n");
	if (n < 8) {
		result(c->name, 0, "only %u attaches", n);
		return 0;
	}
	med = median(iv + n - 6, 5);
	result(c->name, med >= opt_flap_min_ms,
	       "median of the last 5 reconnect intervals %llu ms (flap "
	       "damping needs >= %u ms; without it DomS reconnects at once)",
	       (unsigned long long)med, opt_flap_min_ms);
	return 1;
}

/*
 * Timing: a well-behaved guest, -r rounds.  Attach: from creating the
 * socket file to the ACCEPT.  Leave detection: from closing everything
 * (connection, listener, socket file) to doms.live = GONE in the region
 * (DomS stopped using it: shmring detach).
 */
static int
run_timing(const char *path)
{
	uint64_t att[64], lv[64];
	unsigned int i, n = opt_rounds > 64 ? 64 : opt_rounds;
	char p[200], why[200];
	struct xa_layout l = { .n_qp = 1, .ring_size = DEF_RING,
			       .slot_size = DEF_SLOT, .mtu = DEF_MTU,
			       .features = XA_F_MULTI_SEG };
	int lfd, sock;

	for (i = 0; i < n && !stop_requested; i++) {
		struct region r;
		uint64_t t0, ta, t1, end;

		if (region_create(&r, &l, false, REQ_SEALS, why,
				  sizeof(why)) != 0) {
			fprintf(stderr, "xenshm-attack: %s\n", why);
			return 2;
		}
		snprintf(p, sizeof(p), "%s_%u.sock", path, i);
		t0 = now_us();
		lfd = listen_on(p);
		if (lfd < 0)
			return 2;
		if (good_handshake(lfd, &r, opt_timeout_s * 1000, &sock,
				   &ta) != 0) {
			/* Counted as the whole wait; the median decides. */
			printf("  timing round %u: no attach within %u s\n", i,
			       opt_timeout_s);
			att[i] = now_us() - t0;
			lv[i] = 0;
			close(lfd);
			unlink(p);
			region_destroy(&r);
			continue;
		}
		att[i] = ta - t0;
		/* Attached; now leave, the way a dying guest does. */
		t1 = now_us();
		close(sock);
		close(lfd);
		unlink(p);
		end = now_ms() + opt_timeout_s * 1000;
		while (__atomic_load_n(r.base + XA_H_DOMS + XA_S_LIVE,
				       __ATOMIC_ACQUIRE) != XA_LIVE_GONE &&
		       now_ms() < end)
			usleep(200);
		lv[i] = now_us() - t1;
		printf("  timing round %u: attach %.1f ms, leave detected "
		       "%.1f ms\n", i, att[i] / 1000.0, lv[i] / 1000.0);
		region_destroy(&r);
	}
	printf("TIMING attach_ms=%.1f leave_ms=%.1f rounds=%u\n",
	       median(att, n) / 1000.0, median(lv, n) / 1000.0, n);
	return 0;
}

/* The peer process's threads (SO_PEERCRED), for a victim that stalls. */
static void
dump_peer(int sock)
{
	struct ucred cr;
	socklen_t cl = sizeof(cr);
	char path[320], line[256], comm[64], wchan[64];
	struct dirent *de;
	DIR *dir;
	FILE *f;

	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cr, &cl) != 0)
		return;
	printf("  peer pid %d threads (comm state wchan):\n", (int)cr.pid);
	snprintf(path, sizeof(path), "/proc/%d/task", (int)cr.pid);
	dir = opendir(path);
	while (dir != NULL && (de = readdir(dir)) != NULL) {
		char st = '?';

		if (de->d_name[0] == '.')
			continue;
		comm[0] = wchan[0] = 0;
		unsigned long ut = 0, stt = 0;

		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat",
			 (int)cr.pid, de->d_name);
		if ((f = fopen(path, "r")) != NULL) {
			if (fgets(line, sizeof(line), f) != NULL) {
				char *r = strrchr(line, ')');

				if (r != NULL && r[1] == ' ') {
					st = r[2];
					/* fields 14, 15 after "pid (comm) s" */
					sscanf(r + 2, "%*c %*d %*d %*d %*d %*d "
					       "%*u %*u %*u %*u %*u %lu %lu",
					       &ut, &stt);
				}
				sscanf(line, "%*d (%63[^)]", comm);
			}
			fclose(f);
		}
		snprintf(path, sizeof(path), "/proc/%d/task/%s/wchan",
			 (int)cr.pid, de->d_name);
		if ((f = fopen(path, "r")) != NULL) {
			if (fgets(wchan, sizeof(wchan), f) == NULL)
				wchan[0] = 0;
			fclose(f);
		}
		printf("    %s %s %c %s cpu %lu ticks\n", de->d_name, comm, st,
		       wchan, ut + stt);
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stack",
			 (int)cr.pid, de->d_name);
		if ((f = fopen(path, "r")) != NULL) {
			int k = 0;

			while (k++ < 6 && fgets(line, sizeof(line), f) != NULL)
				printf("      %s", line);
			fclose(f);
		}
	}
	if (dir != NULL)
		closedir(dir);
}

/* --------------------------------------------- guest role: one attack */

static int
guest_case(const struct acase *c, int lfd)
{
	struct xa_layout l = {
		.n_qp = c->n_qp ? c->n_qp : 1,
		.ring_size = c->ring ? c->ring : DEF_RING,
		.slot_size = c->slot ? c->slot : DEF_SLOT,
		.mtu = c->mtu ? c->mtu : DEF_MTU,
		.features = c->no_features ? 0 :
			(c->features ? c->features : XA_F_MULTI_SEG),
	};
	uint8_t m[4096];
	char why[200], s[200];
	struct region r;
	struct got g;
	int fds[8], nfds, sock, len, i, ok, retries = 0;
	uint32_t epoch;

	if (c->fd == FD_HUGETLB) {
		/* Two 2 MiB pages: ring 64, slot 32704: buf_offset 8192. */
		l.ring_size = 64;
		l.slot_size = 32704;
	}
	if (c->n_qp == 16) {
		/* offer-region-too-big: a small region, a 2 GiB OFFER. */
		l.n_qp = 1;
		l.ring_size = DEF_RING;
		l.slot_size = DEF_SLOT;
	}
	if (region_create(&r, &l, c->fd == FD_HUGETLB, REQ_SEALS,
				 why, sizeof(why)) != 0) {
		result(c->name, c->fd == FD_HUGETLB ? 2 : 0, "set-up: %s "
		       "(no free 2 MiB huge pages?)", why);
		return c->fd == FD_HUGETLB ? 1 : 0;
	}
	if (c->dp == DP_ATTACH_PROD_AHEAD)
		st_rel(ring_at(&r, 0) + XA_R_PROD, r.l.ring_size + 5);
	if (c->dp == DP_ATTACH_CONS_AHEAD)
		st_rel(ring_at(&r, 1) + XA_R_CONS, 1000);
	if (c->post == P_WRAP)
		for (i = 0; i < (int)(2 * r.l.n_qp); i++) {
			st_rel(ring_at(&r, (unsigned int)i) + XA_R_PROD,
			       0xffffff9cu);
			st_rel(ring_at(&r, (unsigned int)i) + XA_R_CONS,
			       0xffffff9cu);
		}
	if (c->h_off < 0) {
		/* Junk where nothing is checked. */
		memset(r.base + XA_H_RSVD0, 0xa5, 2);
		memset(r.base + XA_H_MAC + 6, 0xa5, 128 - 70);
		memset(r.base + XA_H_GUEST + 1, 0xa5, 63);
		memset(r.base + XA_H_DOMS, 0xa5, 64);
	}

again:
	sock = accept_within(lfd, opt_timeout_s * 1000);
	if (sock < 0) {
		result(c->name, 0, "DomS did not connect within %u s",
		       opt_timeout_s);
		region_destroy(&r);
		return 0;
	}
	get_msg(sock, 5000, &g);
	if (hello_check(&g) != 0) {
		result(c->name, 0, "no proper HELLO");
		ok = 0;
		goto out;
	}
	if (c->post == P_HOLD) {
		/* Hold every handshake open until killed. */
		unsigned long held = 0;

		for (;;) {
			long t = wait_eof(sock, 3600 * 1000);

			held++;
			printf("HELD %lu %ld ms\n", held, t);
			close(sock);
			if (stop_requested)
				break;
			sock = accept_within(lfd, 3600 * 1000);
			if (sock < 0)
				break;
			get_msg(sock, 5000, &g);
			got_close_fds(&g);
		}
		region_destroy(&r);
		return 1;
	}
	if (c->post == P_CLOSE_MID) {
		close(sock);
		result(c->name, 1, "closed after HELLO (the next attack shows "
		       "DomS came back)");
		region_destroy(&r);
		return 1;
	}
	if (c->post == P_SILENT) {
		long t = wait_eof(sock, opt_timeout_s * 1000);

		ok = t >= 0;
		result(c->name, ok, "expected DomS to give up by itself (1 s "
		       "a step); %s after %ld ms%s", t >= 0 ? "it closed" :
		       "still open", t, t > 3000 ? " (late: starved of CPU?)" :
		       "");
		goto out;
	}
	epoch = bump_epoch(&r);
	if (c->m_off < 0) {
		reject_build(m, (uint32_t)err_no("CONFIG"), "hostile guest says no");
		len = XA_MSG_SIZE;
	} else {
		memset(m, 0, sizeof(m));
		offer_build(m, &r, epoch);
		if (c->n_qp == 16) {
			struct xa_layout big = { .n_qp = 16, .ring_size = 4096,
						 .slot_size = 16384 };

			xa_layout_calc(&big);
			xa_put16(m, XA_OF_N_QP, 16);
			xa_put32(m, XA_OF_RING, 4096);
			xa_put32(m, XA_OF_SLOT, 16384);
			xa_put64(m, XA_OF_REGION, big.region_size);
		}
		if (c->m_w) {
			uint64_t v = c->m_val;

			if (c->m_off == XA_OF_REGION && v == 1)
				v = r.l.region_size + XA_PAGE;
			put_w(m, c->m_off, c->m_w, v);
		}
		if (c->m2_w)
			put_w(m, c->m2_off, c->m2_w, c->m2_val);
		len = c->m_len ? c->m_len : XA_MSG_SIZE;
	}
	/* After the epoch bump, so that the OFFER keeps the true epoch. */
	if (c->h_off >= 0 && c->h_w)
		put_w(r.base, c->h_off, c->h_w, c->h_val);
	nfds = make_fds(c->fd, &r, fds, why, sizeof(why));
	if (nfds < 0) {
		result(c->name, 0, "set-up: %s", why);
		ok = 0;
		goto out;
	}
	if (send_raw(sock, m, (size_t)len, fds, nfds) != 0)
		printf("  sendmsg: %s\n", strerror(errno));
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	if (c->post == P_DOUBLE) {
		int fd = r.fd;

		send_raw(sock, m, XA_MSG_SIZE, &fd, 1);
	}
	get_msg(sock, 5000, &g);
	if (g.kind == G_TIMEOUT) {
		/*
		 * A victim starved of CPU on a loaded machine answers late
		 * but right: wait longer, and show what its threads did.
		 */
		uint64_t t0 = now_us();

		dump_peer(sock);
		get_msg(sock, LATE_MS, &g);
		printf("  no answer within 5 s; then after %.0f ms more: %s\n",
		       (g.at_us - t0) / 1000.0, got_str(&g, s, sizeof(s)));
		dump_peer(sock);
	}
	/*
	 * End-of-file without REJECT where the document wants an answer:
	 * DomS gives up on a guest that took more than 1 s (this process,
	 * starved of CPU).  A real guest gets the next connection: so do we,
	 * a few times.
	 */
	if (g.kind == G_EOF && strstr(c->expect, "EOF") == NULL &&
	    strstr(c->expect, "REFUSED") == NULL && retries++ < 3) {
		printf("  DomS closed without an answer (did we take over "
		       "1 s?); once more\n");
		close(sock);
		goto again;
	}
	if (g.kind == G_MSG)
		msg_spec_check(&g, "DomS's answer");
	ok = got_matches(&g, c->expect);
	if (c->post == P_HUGE_PUNCH && got_is(&g, XA_T_ACCEPT)) {
		ok = post_huge_punch(c, &r, sock, &g);
		goto out;
	}
	if (!ok || (c->post == P_NONE && !got_is(&g, XA_T_ACCEPT)) ||
	    c->post == P_HUGE_PUNCH) {
		if (!ok && c->post == P_NONE && strncmp(c->expect, "REJECT",
							6) == 0 &&
		    got_is(&g, XA_T_ACCEPT))
			printf("  (DomS accepted it)\n");
		result(c->name, ok, "%s: expected %s, got %s", c->what,
		       c->expect, got_str(&g, s, sizeof(s)));
		goto out;
	}
	/* ACCEPT as expected */
	accept_spec_check(&g, &r, c->dp == DP_ATTACH_PROD_AHEAD ||
			  c->dp == DP_ATTACH_CONS_AHEAD || c->post == P_DOUBLE);
	r.base[XA_H_GUEST + XA_S_LIVE] = XA_LIVE_CONNECTED;
	switch (c->post) {
	case P_NONE:
		result(c->name, 1, "%s: attached", c->what);
		break;
	case P_DOUBLE: {
		long t = wait_eof(sock, 5000);

		ok = t >= 0;
		result(c->name, ok, "DomS %s after the second OFFER%s",
		       ok ? "disconnected" : "stayed attached 5 s",
		       ok ? "" : " (expected it to drop the connection)");
		break;
	}
	case P_DP_DIE:
		ok = post_dp_die(c, &r, sock);
		break;
	case P_RACE:
		ok = post_race(c, &r, sock);
		break;
	case P_WRAP:
		ok = post_wrap(c, &r, sock);
		break;
	case P_PUNCH:
		ok = post_punch(c, &r, sock);
		break;
	case P_FLAP:
		ok = post_flap(c, &r, lfd, sock);
		sock = -1;
		break;
	default:
		break;
	}
out:
	got_close_fds(&g);
	if (sock >= 0)
		close(sock);
	region_destroy(&r);
	return ok;
}

/* ---------------------------------------------------- doms role */

static int
connect_within(const char *path, unsigned int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint64_t end = now_ms() + timeout_ms;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	while (!stop_requested) {
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		close(fd);
		if (now_ms() >= end)
			return -1;
		usleep(10000);
	}
	return -1;
}

static void
hello_build(uint8_t *m)
{
	memset(m, 0, XA_MSG_SIZE);
	xa_put32(m, XA_M_MAGIC, XA_MSG_MAGIC);
	xa_put16(m, XA_M_TYPE, XA_T_HELLO);
	xa_put16(m, XA_M_VERSION, XA_VERSION);
	xa_put32(m, XA_HE_FEATURES, XA_F_MULTI_SEG);
	xa_put16(m, XA_HE_MAX_QP, XA_MAX_QP);
	xa_put32(m, XA_HE_MAX_RING, XA_MAX_RING);
	xa_put32(m, XA_HE_MAX_SLOT, XA_MAX_SLOT);
	xa_put32(m, XA_HE_MAX_MTU, XA_MAX_MTU);
	xa_put64(m, XA_HE_MAX_REGION, XA_MAX_REGION);
}

/*
 * The guest's OFFER and its fd, checked as DomS must (sections 3, 8, 9):
 * 0 with the region mapped into *r, or -1.
 */
static int
offer_check(const struct got *g, const uint8_t *hello, struct region *r)
{
	const uint8_t *b = g->b;
	struct xa_layout l = { 0 };
	struct statfs sfs;
	struct stat st;
	uint8_t *h;
	int seals, fd;

	if (msg_spec_check(g, "the guest's OFFER") != 0)
		return -1;
	if (g->nfds != 1) {
		spec_fail("OFFER came with %d fds", g->nfds);
		return -1;
	}
	fd = g->fds[0];
	l.features = xa_get32(b, XA_OF_FEATURES);
	l.n_qp = xa_get16(b, XA_OF_N_QP);
	l.ring_size = xa_get32(b, XA_OF_RING);
	l.slot_size = xa_get32(b, XA_OF_SLOT);
	l.mtu = xa_get32(b, XA_OF_MTU);
	if (l.features & ~XA_F_MULTI_SEG)
		spec_fail("the guest offers unknown feature bits 0x%x",
			  l.features);
	if (xa_get32(b, XA_OF_EPOCH) < 2)
		spec_fail("OFFER guest_epoch %u (the first OFFER carries 2)",
			  xa_get32(b, XA_OF_EPOCH));
	if (l.features & ~xa_get32(hello, XA_HE_FEATURES))
		spec_fail("the guest offers features 0x%x, HELLO listed 0x%x",
			  l.features, xa_get32(hello, XA_HE_FEATURES));
	if (l.n_qp < 1 || l.n_qp > XA_MAX_QP || l.ring_size < XA_MIN_RING ||
	    l.ring_size > XA_MAX_RING || (l.ring_size & (l.ring_size - 1)) ||
	    l.slot_size < XA_MIN_SLOT || l.slot_size > XA_MAX_SLOT ||
	    l.slot_size % 64 || l.mtu < XA_MIN_MTU || l.mtu > XA_MAX_MTU) {
		spec_fail("the guest's OFFER is out of range");
		return -1;
	}
	xa_layout_calc(&l);
	if (xa_get64(b, XA_OF_REGION) != l.region_size) {
		spec_fail("OFFER region_size %llu, layout says %llu",
			  (unsigned long long)xa_get64(b, XA_OF_REGION),
			  (unsigned long long)l.region_size);
		return -1;
	}
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (seals & REQ_SEALS) != REQ_SEALS)
		spec_fail("the guest's memfd seals are 0x%x (need SHRINK, "
			  "GROW, SEAL)", seals);
	if (seals >= 0 && (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)))
		spec_fail("the guest's memfd is write-sealed (0x%x)", seals);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != l.region_size) {
		spec_fail("the guest's memfd is not a %llu-byte file",
			  (unsigned long long)l.region_size);
		return -1;
	}
	if (fstatfs(fd, &sfs) != 0 || sfs.f_type != TMPFS_MAGIC)
		spec_fail("the guest's memfd is not on shmem (fs 0x%lx)",
			  (unsigned long)sfs.f_type);
	memset(r, 0, sizeof(*r));
	r->l = l;
	r->fd = fd;
	r->base = mmap(NULL, l.region_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED, fd, 0);
	if (r->base == MAP_FAILED) {
		spec_fail("cannot map the guest's region: %s", strerror(errno));
		r->base = NULL;
		return -1;
	}
	r->huge = sfs.f_type == HUGETLBFS_MAGIC;
	h = r->base;
	if (xa_get32(h, XA_H_MAGIC) != XA_REGION_MAGIC ||
	    xa_get32(h, XA_H_VERSION) != XA_VERSION ||
	    xa_get32(h, XA_H_FEATURES) != l.features ||
	    xa_get32(h, XA_H_HDR_SIZE) != XA_PAGE ||
	    xa_get64(h, XA_H_REGION_SIZE) != l.region_size ||
	    xa_get16(h, XA_H_N_QP) != l.n_qp ||
	    xa_get32(h, XA_H_RING_SIZE) != l.ring_size ||
	    xa_get32(h, XA_H_SLOT_SIZE) != l.slot_size ||
	    xa_get32(h, XA_H_MTU) != l.mtu ||
	    xa_get32(h, XA_H_RINGS_OFFSET) != l.rings_offset ||
	    xa_get32(h, XA_H_RING_STRIDE) != l.ring_stride ||
	    xa_get64(h, XA_H_BUF_OFFSET) != l.buf_offset ||
	    xa_get64(h, XA_H_BUF_SIZE) != l.buf_size)
		spec_fail("the guest's region header differs from the "
			  "document's layout for its OFFER");
	if (xa_get32(h, XA_H_GUEST + XA_S_EPOCH) != xa_get32(b, XA_OF_EPOCH))
		spec_fail("header guest.epoch %u != OFFER guest_epoch %u",
			  xa_get32(h, XA_H_GUEST + XA_S_EPOCH),
			  xa_get32(b, XA_OF_EPOCH));
	if (h[XA_H_GUEST + XA_S_LIVE] != XA_LIVE_INIT &&
	    h[XA_H_GUEST + XA_S_LIVE] != XA_LIVE_CONNECTED)
		spec_fail("guest.live is %u while it offers the region",
			  h[XA_H_GUEST + XA_S_LIVE]);
	if (h[XA_H_MAC] & 1)
		spec_fail("the guest's MAC is multicast");
	return 0;
}

static void
accept_build(uint8_t *m, uint32_t epoch)
{
	memset(m, 0, XA_MSG_SIZE);
	xa_put32(m, XA_M_MAGIC, XA_MSG_MAGIC);
	xa_put16(m, XA_M_TYPE, XA_T_ACCEPT);
	xa_put16(m, XA_M_VERSION, XA_VERSION);
	xa_put32(m, XA_AC_EPOCH, epoch);
}

static int
busy_flood(const struct acase *c, const char *path)
{
	uint8_t m[XA_MSG_SIZE];
	int socks[40], i, busy = 0, eof = 0, refused = 0, other = 0;
	struct got g;
	char s[200];

	hello_build(m);
	for (i = 0; i < 40; i++) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		/* Non-blocking: a full backlog refuses (EAGAIN). */
		socks[i] = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC |
				  SOCK_NONBLOCK, 0);
		if (socks[i] >= 0 &&
		    connect(socks[i], (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			close(socks[i]);
			socks[i] = -1;
		}
		if (socks[i] < 0) {
			refused++;
			continue;
		}
		send_raw(socks[i], m, XA_MSG_SIZE, NULL, 0);
	}
	for (i = 0; i < 40; i++) {
		if (socks[i] < 0)
			continue;
		get_msg(socks[i], 8000, &g);
		got_close_fds(&g);
		if (got_matches(&g, "REJECT:BUSY"))
			busy++;
		else if (g.kind == G_EOF)
			eof++;
		else {
			other++;
			printf("  busy-flood: connection %d got %s\n", i,
			       got_str(&g, s, sizeof(s)));
		}
		close(socks[i]);
	}
	result(c->name, other == 0 && busy > 0, "40 connections: %d REJECT "
	       "BUSY, %d closed, %d refused by the backlog, %d other", busy,
	       eof, refused, other);
	return other == 0 && busy > 0;
}

static int
doms_case_once(const struct acase *c, const char *path, bool *busy)
{
	uint8_t m[4096], hello[XA_MSG_SIZE];
	char s[200], why[200];
	struct region r = { .fd = -1 }, tmp;
	struct got g, g2;
	int sock, len, fd = -1, nfds = 0, ok;
	bool stage2 = c->expect2 != NULL;

	if (c->post == P_BUSY_FLOOD)
		return busy_flood(c, path);
	sock = connect_within(path, opt_timeout_s * 1000);
	if (sock < 0) {
		result(c->name, 0, "cannot connect to %s", path);
		return 0;
	}
	memset(&g, 0, sizeof(g));
	hello_build(hello);
	memcpy(m, hello, XA_MSG_SIZE);
	len = XA_MSG_SIZE;
	if (!stage2) {
		if (c->post == P_SILENT) {
			long t = wait_eof(sock, opt_timeout_s * 1000);

			ok = t >= 0;
			result(c->name, ok, "expected the guest to give up "
			       "by itself (1 s a step); %s after %ld ms%s",
			       t >= 0 ? "it closed" : "still open", t,
			       t > 3000 ? " (late: starved of CPU?)" : "");
			close(sock);
			return ok;
		}
		if (c->post == P_CLOSE_MID) {
			close(sock);
			result(c->name, 1, "connected and closed");
			return 1;
		}
		if (c->m_off < 0)
			reject_build(m, (uint32_t)err_no("CONFIG"),
				     "hostile DomS says no");
		else if (c->m_w)
			put_w(m, c->m_off, c->m_w, c->m_val);
		if (c->m_len)
			len = c->m_len;
		if (c->fd == FD_UNSEALED) {
			fd = memfd_create("xa", MFD_CLOEXEC);
			nfds = fd >= 0;
		}
	}
	send_raw(sock, m, (size_t)len, &fd, nfds);
	if (fd >= 0)
		close(fd);
	fd = -1;
	nfds = 0;
	get_msg(sock, 5000, &g);
	ok = got_matches(&g, c->expect);
	if (!ok && got_matches(&g, "REJECT:BUSY")) {
		*busy = true;
		goto out;
	}
	if (!ok || !got_is(&g, XA_T_OFFER) || !stage2) {
		if (got_is(&g, XA_T_OFFER) && offer_check(&g, hello, &tmp) == 0)
			region_destroy(&tmp), g.nfds = 0;
		result(c->name, ok, "%s: expected %s, got %s", c->what,
		       c->expect, got_str(&g, s, sizeof(s)));
		goto out;
	}
	if (offer_check(&g, hello, &r) != 0) {
		result(c->name, 0, "the guest's OFFER breaks the document");
		ok = 0;
		goto out;
	}
	g.nfds = 0;	/* r owns the fd */
	/* Stage 2: the ACCEPT (section 8: epoch, then live, then ACCEPT). */
	{
		uint32_t e = xa_get32(r.base, XA_H_DOMS + XA_S_EPOCH) + 1;

		__atomic_store_n((uint32_t *)(void *)(r.base + XA_H_DOMS +
						      XA_S_EPOCH), e,
				 __ATOMIC_RELEASE);
		__atomic_store_n(r.base + XA_H_DOMS + XA_S_LIVE,
				 (uint8_t)XA_LIVE_CONNECTED, __ATOMIC_RELEASE);
		accept_build(m, e);
	}
	if (c->post == P_SILENT) {
		long t = wait_eof(sock, opt_timeout_s * 1000);

		ok = t >= 0;
		result(c->name, ok, "expected the guest to give up by itself "
		       "(1 s a step); %s after %ld ms%s", t >= 0 ? "it closed" :
		       "still open", t, t > 3000 ? " (late: starved of CPU?)" :
		       "");
		goto out;
	}
	if (c->post == P_CLOSE_MID) {
		result(c->name, 1, "closed instead of ACCEPT");
		goto out;
	}
	if (c->post == P_DP_DIE || c->post == P_SECOND_HELLO) {
		/* A real attach first. */
		send_raw(sock, m, XA_MSG_SIZE, NULL, 0);
		get_msg(sock, 300, &g2);
		if (g2.kind != G_TIMEOUT) {
			result(c->name, 0, "the guest answered our ACCEPT with "
			       "%s", got_str(&g2, s, sizeof(s)));
			got_close_fds(&g2);
			ok = 0;
			goto out;
		}
		if (c->post == P_SECOND_HELLO) {
			long t;

			send_raw(sock, hello, XA_MSG_SIZE, NULL, 0);
			t = wait_eof(sock, 5000);
			ok = t >= 0;
			result(c->name, ok, "the guest %s", ok ?
			       "disconnected after a HELLO past ACCEPT" :
			       "stayed attached after a HELLO past ACCEPT");
			goto out;
		} else {
			struct prod p;
			uint32_t seq = 0;
			uint64_t end = now_ms() + opt_timeout_s * 1000;

			prod_init(&p, &r, 1);	/* d2g ring 0 */
			send_good(&p, 32, &seq);
			ok = wait_consumed(&p, sock, opt_timeout_s * 1000);
			if (!ok) {
				result(c->name, 0, "the guest did not consume "
				       "32 good frames");
				goto out;
			}
			dp_write(c->dp, &p, &r, true);
			printf("  attack %s written\n", c->name);
			/* Held: the guest must see the attack, not a leave. */
			while (!stop_requested && now_ms() < end &&
			       (opt_hold_file == NULL ||
				access(opt_hold_file, F_OK) != 0)) {
				drain_rx(&r, 0);
				if (wait_eof(sock, 20) >= 0)
					break;
			}
			result(c->name, 1, "written and held (the victim must "
			       "count %s and disable the port)", c->dp_err);
			goto out;
		}
	}
	/* A bad ACCEPT */
	len = XA_MSG_SIZE;
	if (c->m_off < 0)
		reject_build(m, (uint32_t)err_no("CONFIG"), "hostile DomS");
	else if (c->m_w)
		put_w(m, c->m_off, c->m_w, c->m_val);
	if (c->m_len)
		len = c->m_len;
	if (c->fd == FD_UNSEALED) {
		fd = memfd_create("xa", MFD_CLOEXEC);
		nfds = fd >= 0;
	}
	send_raw(sock, m, (size_t)len, &fd, nfds);
	if (fd >= 0)
		close(fd);
	get_msg(sock, 5000, &g2);
	if (g2.kind == G_MSG)
		msg_spec_check(&g2, "the guest's answer");
	ok = got_matches(&g2, c->expect2);
	result(c->name, ok, "%s: expected %s, got %s", c->what, c->expect2,
	       got_str(&g2, s, sizeof(s)));
	got_close_fds(&g2);
	(void)why;
out:
	got_close_fds(&g);
	close(sock);
	region_destroy(&r);
	return ok;
}

/*
 * The guest answers BUSY while it still holds an earlier handshake of
 * ours (section 9: "or another one is past HELLO") until it has seen that
 * connection end.  Like any DomS, try again a little later.
 */
static int
doms_case(const struct acase *c, const char *path)
{
	unsigned int tries;
	bool busy = false;
	int ok = 0;

	for (tries = 0; tries < 100 && !stop_requested; tries++) {
		busy = false;
		ok = doms_case_once(c, path, &busy);
		if (!busy)
			break;
		usleep(20000);
	}
	if (tries > 0)
		printf("  (the guest said BUSY %u times first)\n", tries);
	if (busy)
		result(c->name, 0, "the guest said BUSY 100 times");
	return ok;
}

/* ---------------------------------------------------------------- main */

static void
list(void)
{
	const struct acase *c;

	for (c = cases; c->name != NULL; c++)
		printf("%-5s %-24s %-28s %s\n", c->role == 'g' ? "guest" :
		       "doms", c->name, c->expect2 ? c->expect2 :
		       c->dp_err ? c->dp_err : c->expect, c->what);
}

/* The document's own example (section 2) and unique attack names. */
static int
selftest(void)
{
	struct xa_layout l = { .n_qp = 1, .ring_size = 1024,
			       .slot_size = 2048 };
	const struct acase *c, *d;
	int bad = 0;

	xa_layout_calc(&l);
	if (l.ring_stride != 16512 || l.rings_offset != 4096 ||
	    l.rings_offset + l.ring_stride != 20608 ||
	    l.buf_offset != 40960 || l.buf_size != 4194304 ||
	    l.region_size != 4235264) {
		printf("selftest: layout of the document's example is wrong: "
		       "stride %u buf_offset %llu buf_size %llu region %llu\n",
		       l.ring_stride, (unsigned long long)l.buf_offset,
		       (unsigned long long)l.buf_size,
		       (unsigned long long)l.region_size);
		bad = 1;
	}
	/* The hugetlb case relies on a region of exactly two 2 MiB pages. */
	l = (struct xa_layout){ .n_qp = 1, .ring_size = 64,
				.slot_size = 32704 };
	xa_layout_calc(&l);
	if (l.region_size != 2 * HUGE_2M || l.buf_offset != 8192) {
		printf("selftest: hugetlb layout is %llu bytes\n",
		       (unsigned long long)l.region_size);
		bad = 1;
	}
	for (c = cases; c->name != NULL; c++)
		for (d = c + 1; d->name != NULL; d++)
			if (strcmp(c->name, d->name) == 0) {
				printf("selftest: attack %s twice\n", c->name);
				bad = 1;
			}
	errs_init();
	if (err_no("CONFIG") != 33 || err_no("RING_PROD_AHEAD") != 1) {
		printf("selftest: error table\n");
		bad = 1;
	}
	printf("selftest: %s\n", bad ? "FAIL" : "ok");
	return bad;
}

static int
usage(void)
{
	fprintf(stderr, "usage: xenshm-attack [-t S] [-e shmring_err.h] "
		"[-h HOLD_FILE] [-m MAC] [-r ROUNDS] [-f FLAP_MS] "
		"guest|doms PATH ATTACK...\n       xenshm-attack list\n");
	return 2;
}

int
main(int argc, char **argv)
{
	const struct acase *c;
	const char *role, *path;
	int opt, i, lfd = -1;
	unsigned int mac[6];

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "+t:e:h:m:r:f:k")) != -1) {
		switch (opt) {
		case 'k': opt_keep = true; break;
		case 't': opt_timeout_s = (unsigned int)atoi(optarg); break;
		case 'e': opt_err_h = optarg; break;
		case 'h': opt_hold_file = optarg; break;
		case 'r': opt_rounds = (unsigned int)atoi(optarg); break;
		case 'f': opt_flap_min_ms = (unsigned int)atoi(optarg); break;
		case 'm':
			if (sscanf(optarg, "%x:%x:%x:%x:%x:%x", &mac[0], &mac[1],
				   &mac[2], &mac[3], &mac[4], &mac[5]) != 6)
				return usage();
			for (i = 0; i < 6; i++)
				opt_mac[i] = (uint8_t)mac[i];
			break;
		default:
			return usage();
		}
	}
	if (optind < argc && strcmp(argv[optind], "list") == 0) {
		list();
		return 0;
	}
	if (optind < argc && strcmp(argv[optind], "selftest") == 0)
		return selftest();
	if (argc - optind < 3)
		return usage();
	role = argv[optind];
	path = argv[optind + 1];
	if (strcmp(role, "guest") != 0 && strcmp(role, "doms") != 0)
		return usage();
	errs_init();
	signal(SIGPIPE, SIG_IGN);
	{
		struct sigaction sa = { .sa_handler = on_signal };

		sigaction(SIGTERM, &sa, NULL);	/* no SA_RESTART: poll wakes */
		sigaction(SIGINT, &sa, NULL);
	}
	for (i = optind + 2; i < argc; i++) {
		c = case_find(argv[i]);
		if (c == NULL || c->role != role[0]) {
			fprintf(stderr, "xenshm-attack: no %s attack '%s' "
				"(xenshm-attack list)\n", role, argv[i]);
			return 2;
		}
	}
	if (role[0] == 'g') {
		if (argc - optind == 3 && strcmp(argv[optind + 2], "timing") == 0)
			return run_timing(path);
		lfd = listen_on(path);
		if (lfd < 0)
			return 2;
	}
	for (i = optind + 2; i < argc && !stop_requested; i++) {
		int s0 = spec_fails;

		c = case_find(argv[i]);
		printf("ATTACK %s: %s\n", c->name, c->what);
		if (role[0] == 'g')
			guest_case(c, lfd);
		else
			doms_case(c, path);
		if (spec_fails != s0)
			result(c->name, 0, "the victim broke docs/protocol.md "
			       "(SPEC-FAIL above)");
	}
	if (lfd >= 0) {
		close(lfd);
		if (!opt_keep)
			unlink(path);
	}
	printf("SUMMARY pass=%d fail=%d skip=%d spec_fail=%d\n", n_pass,
	       n_fail, n_skip, spec_fails);
	return n_fail ? 1 : 0;
}
