/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * The endpoint API over the host transport, in one process: the real
 * guest endpoint polled by a thread, the real DomS endpoint polled by the
 * main thread, and fake peers (threads speaking raw bytes on the socket)
 * that break one rule at a time.  Each rejection must come with its own
 * code on the side that judges, a REJECT with that code to the peer, no
 * fd left open, and the guest still usable afterwards.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "shmring_handshake.h"
#include "tst.h"

#define SEALS_ALL	(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)
#define WAIT_MS		10000

static char dir[64];
static char path[96];

static const struct shmring_params gparams = {
	.features = SHMRING_F_MULTI_SEG,
	.n_qp = 2,
	.ring_size = 256,
	.slot_size = 2048,
	.mtu = 1500,
	.mac = { 0x02, 0, 0, 0, 0, 0x42 },
};

static struct shmring_endpoint_cfg
host_cfg(const char *p, uint32_t peer_uid)
{
	struct shmring_endpoint_cfg c;

	memset(&c, 0, sizeof(c));
	c.transport = SHMRING_TRANSPORT_HOST;
	snprintf(c.path, sizeof(c.path), "%s", p);
	c.peer_uid = peer_uid;
	return c;
}

static uint64_t
gregion_size(void)
{
	struct shmring_layout l;

	shmring_layout(&gparams, &l);
	return l.region_size;
}

static void
msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ------------------------------------------------- guest poll thread */

struct guest_runner {
	struct shmring_guest_ep *ep;
	pthread_t th;
	pthread_mutex_t lock;
	atomic_int stop;
	int n_up, n_down, n_rej;	/* under lock */
	bool attached;
	int last_err;
	char last_why[SHMRING_WHY_MAX];
};

static void *
guest_thread(void *arg)
{
	struct guest_runner *g = arg;
	char why[SHMRING_WHY_MAX];
	int ev;

	while (!atomic_load(&g->stop)) {
		why[0] = '\0';
		ev = shmring_guest_poll(g->ep, why, sizeof(why));
		if (ev != SHMRING_EV_NONE) {
			pthread_mutex_lock(&g->lock);
			g->n_up += ev == SHMRING_EV_PEER_UP;
			g->n_down += ev == SHMRING_EV_PEER_DOWN;
			g->n_rej += ev == SHMRING_EV_PEER_REJECTED;
			g->last_err = shmring_guest_last_error(g->ep);
			g->attached = shmring_guest_peer_attached(g->ep);
			memcpy(g->last_why, why, sizeof(why));
			pthread_mutex_unlock(&g->lock);
		}
		msleep(1);
	}
	return NULL;
}

static void
runner_start(struct guest_runner *g, struct shmring_guest_ep *ep)
{
	memset(g, 0, sizeof(*g));
	g->ep = ep;
	pthread_mutex_init(&g->lock, NULL);
	if (pthread_create(&g->th, NULL, guest_thread, g) != 0)
		abort();
}

static void
runner_stop(struct guest_runner *g)
{
	atomic_store(&g->stop, 1);
	pthread_join(g->th, NULL);
	pthread_mutex_destroy(&g->lock);
}

/* Wait until counter (n_up, n_down or n_rej) reaches 'target'. */
static bool
runner_wait(struct guest_runner *g, int *counter, int target)
{
	uint64_t end = tst_now_ns() + WAIT_MS * 1000000ull;
	int v;

	do {
		pthread_mutex_lock(&g->lock);
		v = *counter;
		pthread_mutex_unlock(&g->lock);
		if (v >= target)
			return true;
		msleep(1);
	} while (tst_now_ns() < end);
	TST_FAIL("guest event count stuck at %d, waited for %d", v, target);
	return false;
}

static int
runner_last_err(struct guest_runner *g, char *why)
{
	int e;

	pthread_mutex_lock(&g->lock);
	e = g->last_err;
	if (why != NULL)
		memcpy(why, g->last_why, SHMRING_WHY_MAX);
	pthread_mutex_unlock(&g->lock);
	return e;
}

/* The endpoint belongs to the poll thread: ask the runner instead. */
static bool
runner_attached(struct guest_runner *g)
{
	bool a;

	pthread_mutex_lock(&g->lock);
	a = g->attached;
	pthread_mutex_unlock(&g->lock);
	return a;
}

/* DomS: poll until something happens (or WAIT_MS pass). */
static int
doms_poll_event(struct shmring_doms_ep *d, char *why)
{
	uint64_t end = tst_now_ns() + WAIT_MS * 1000000ull;
	int ev;

	do {
		why[0] = '\0';
		ev = shmring_doms_poll(d, why, SHMRING_WHY_MAX);
		if (ev != SHMRING_EV_NONE)
			return ev;
		msleep(2);
	} while (tst_now_ns() < end);
	return SHMRING_EV_NONE;
}

/* Guest: poll in this thread until something happens. */
static int
guest_poll_event(struct shmring_guest_ep *g, char *why)
{
	uint64_t end = tst_now_ns() + WAIT_MS * 1000000ull;
	int ev;

	do {
		why[0] = '\0';
		ev = shmring_guest_poll(g, why, SHMRING_WHY_MAX);
		if (ev != SHMRING_EV_NONE)
			return ev;
		msleep(1);
	} while (tst_now_ns() < end);
	return SHMRING_EV_NONE;
}

/* ------------------------------------------------------ raw sockets */

static int
raw_send(int sock, const void *buf, size_t len, const int *fds, int n_fds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} ctl;
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf,
			     .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (n_fds > 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

/* Receive one message; fds that come are closed.  Returns its length. */
static ssize_t
raw_recv(int sock, struct shmring_msg *m, int *n_fds_seen)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} ctl;
	uint8_t buf[256];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	ssize_t n;
	int i, k, fd;

	*n_fds_seen = 0;
	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	for (c = CMSG_FIRSTHDR(&mh); n >= 0 && c != NULL;
	     c = CMSG_NXTHDR(&mh, c)) {
		k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < k; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			close(fd);
			(*n_fds_seen)++;
		}
	}
	memset(m, 0, sizeof(*m));
	if (n > 0)
		memcpy(m, buf, n < (ssize_t)sizeof(*m) ? (size_t)n : sizeof(*m));
	return n;
}

static void
raw_timeouts(int sock, unsigned int ms)
{
	struct timeval tv = { ms / 1000, (long)(ms % 1000) * 1000 };

	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int
raw_listen(const char *p)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p);
	unlink(p);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 4) != 0)
		abort();
	return fd;
}

static int
raw_connect(const char *p)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint64_t end = tst_now_ns() + WAIT_MS * 1000000ull;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p);
	do {
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (fd < 0)
			abort();
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		close(fd);
		msleep(2);
	} while (tst_now_ns() < end);
	return -1;
}

/* A memfd holding a region for 'p'; 'size' 0 means the right size. */
static int
make_memfd(const struct shmring_params *p, uint64_t size, unsigned int seals,
	   uint32_t epoch, void (*mutate)(struct shmring_region_hdr *))
{
	struct shmring_layout l;
	void *map;
	int fd;

	shmring_layout(p, &l);
	if (size == 0)
		size = l.region_size;
	fd = memfd_create("fake-region", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, (off_t)size) != 0)
		abort();
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		abort();
	if (size >= l.buf_offset)
		shmring_region_init(map, p, &l, epoch);
	if (mutate != NULL)
		mutate(map);
	munmap(map, size);
	if (seals != 0 && fcntl(fd, F_ADD_SEALS, seals) != 0)
		abort();
	return fd;
}

/* A sealed hugetlbfs memfd of one 2 MiB page, never mapped: -1 if the
 * kernel has no hugetlbfs. */
static int
make_hugetlb_memfd(void)
{
	int fd = memfd_create("fake-huge", MFD_CLOEXEC | MFD_ALLOW_SEALING |
			      MFD_HUGETLB);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, 2 << 20) != 0 ||
	    fcntl(fd, F_ADD_SEALS, SEALS_ALL) != 0)
		abort();
	return fd;
}

/* ------------------------------------------------------- fake guest */

struct fake_guest {
	int lfd;
	struct shmring_msg offer;	/* what to send instead of a real one */
	size_t offer_len;
	int fds[4];
	int n_fds;
	bool hang;			/* send nothing, let DomS quit */
	bool hang_up;			/* close right after HELLO */
	/* results */
	bool hello_ok;
	int reply_type;
	int reply_code;
	pthread_t th;
};

static void *
fake_guest_thread(void *arg)
{
	struct fake_guest *f = arg;
	struct pollfd pfd = { .fd = f->lfd, .events = POLLIN };
	struct shmring_msg m, out;
	char why[SHMRING_WHY_MAX];
	int sock, nfd;
	ssize_t n;

	if (poll(&pfd, 1, WAIT_MS) != 1)
		return NULL;
	sock = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (sock < 0)
		return NULL;
	raw_timeouts(sock, 5000);
	n = raw_recv(sock, &m, &nfd);
	if (n == sizeof(m) && shmring_msg_decode(&m, n, &out, why,
						 sizeof(why)) == SHMRING_OK) {
		if (out.hdr.type == SHMRING_MSG_HELLO) {
			f->hello_ok = true;
		} else {
			f->reply_type = out.hdr.type;
			f->reply_code = (int)out.u.reject.code;
			goto out;
		}
	}
	if (f->hang_up)
		goto out;
	if (!f->hang &&
	    raw_send(sock, &f->offer, f->offer_len, f->fds, f->n_fds) != 0)
		goto out;
	n = raw_recv(sock, &m, &nfd);
	if (n == sizeof(m) && shmring_msg_decode(&m, n, &out, why,
						 sizeof(why)) == SHMRING_OK) {
		f->reply_type = out.hdr.type;
		if (out.hdr.type == SHMRING_MSG_REJECT)
			f->reply_code = (int)out.u.reject.code;
	}
out:
	close(sock);
	return NULL;
}

static void
fake_guest_start(struct fake_guest *f)
{
	f->lfd = raw_listen(path);
	if (pthread_create(&f->th, NULL, fake_guest_thread, f) != 0)
		abort();
}

static void
fake_guest_finish(struct fake_guest *f)
{
	pthread_join(f->th, NULL);
	close(f->lfd);
	for (int i = 0; i < f->n_fds; i++)
		close(f->fds[i]);
	unlink(path);
}

/*
 * Run a real DomS against a fake guest; expect it to refuse with 'code'
 * and, when 'rejects' says so, to tell the guest that code.
 */
static void
doms_vs_fake(struct fake_guest *f, const struct shmring_limits *lim,
	     int code, bool rejects, const char *text, const char *what)
{
	struct shmring_endpoint_cfg cfg = host_cfg(path, SHMRING_UID_ANY);
	struct shmring_doms_ep *d;
	char why[SHMRING_WHY_MAX] = "";
	/* The fake closes its own fds. */
	int fds0 = tst_count_fds() - f->n_fds;
	int ev;

	fake_guest_start(f);
	CHECK_RC(shmring_doms_open(&d, &cfg, lim, why, sizeof(why)),
		 SHMRING_OK);
	ev = doms_poll_event(d, why);
	if (code == SHMRING_OK) {
		if (ev != SHMRING_EV_PEER_UP)
			TST_FAIL("%s: event %d (%s), expected PEER_UP", what, ev,
				 why);
	} else {
		if (ev != SHMRING_EV_PEER_REJECTED ||
		    shmring_doms_last_error(d) != code)
			TST_FAIL("%s: event %d, %s (%s); expected rejection "
				 "with %s", what, ev,
				 shmring_errname(shmring_doms_last_error(d)),
				 why, shmring_errname(code));
		if (text != NULL && strstr(why, text) == NULL)
			TST_FAIL("%s: '%s' does not say '%s'", what, why, text);
		CHECK(shmring_doms_base(d) == NULL);
		CHECK(!shmring_doms_attached(d));
	}
	fake_guest_finish(f);
	if (!f->hello_ok)
		TST_FAIL("%s: the fake guest got no valid HELLO", what);
	if (code == SHMRING_OK && f->reply_type != SHMRING_MSG_ACCEPT)
		TST_FAIL("%s: guest got %d, not ACCEPT", what, f->reply_type);
	if (code != SHMRING_OK && rejects &&
	    (f->reply_type != SHMRING_MSG_REJECT || f->reply_code != code))
		TST_FAIL("%s: guest got type %d code %s, expected REJECT %s",
			 what, f->reply_type, shmring_errname(f->reply_code),
			 shmring_errname(code));
	if (code != SHMRING_OK && !rejects && f->reply_type != 0)
		TST_FAIL("%s: guest got type %d, expected nothing", what,
			 f->reply_type);
	shmring_doms_close(d);
	if (tst_count_fds() != fds0)
		TST_FAIL("%s: %d fds open before, %d after", what, fds0,
			 tst_count_fds());
}

static void
fake_offer(struct fake_guest *f, uint32_t epoch)
{
	memset(f, 0, sizeof(*f));
	shmring_msg_offer(&f->offer, &gparams, gregion_size(), epoch);
	f->offer_len = sizeof(f->offer);
	f->fds[0] = make_memfd(&gparams, 0, SEALS_ALL, epoch, NULL);
	f->n_fds = 1;
}

static void mut_mtu(struct shmring_region_hdr *h) { h->mtu = 1400; }
static void mut_magic(struct shmring_region_hdr *h) { h->magic = 0; }
static void mut_ring(struct shmring_region_hdr *h) { h->ring_size = 100; }

static void
test_doms_rejects(void)
{
	struct shmring_limits lim;
	struct fake_guest f;
	int pipefd[2];

	/* The fake is right when it means to be: this one is accepted. */
	fake_offer(&f, 5);
	doms_vs_fake(&f, NULL, SHMRING_OK, false, NULL, "valid offer");

	fake_offer(&f, 5);
	f.offer.hdr.version = 2;
	doms_vs_fake(&f, NULL, SHMRING_E_MSG_VERSION, true, "version 2",
		     "OFFER version 2");
	fake_offer(&f, 5);
	f.offer_len = 100;
	doms_vs_fake(&f, NULL, SHMRING_E_MSG_TRUNCATED, true, "100 bytes",
		     "truncated OFFER");
	fake_offer(&f, 5);
	f.offer_len = 1;
	doms_vs_fake(&f, NULL, SHMRING_E_MSG_TRUNCATED, true, NULL,
		     "1-byte OFFER");
	fake_offer(&f, 5);
	f.offer.hdr.magic = 0xdeadbeef;
	doms_vs_fake(&f, NULL, SHMRING_E_MSG_MAGIC, true, "magic",
		     "OFFER bad magic");
	fake_offer(&f, 5);
	f.offer.hdr.type = 9;
	doms_vs_fake(&f, NULL, SHMRING_E_MSG_TYPE, true, "type 9",
		     "OFFER bad type");
	fake_offer(&f, 5);
	f.offer.hdr.type = SHMRING_MSG_ACCEPT;
	memset(&f.offer.u, 0, sizeof(f.offer.u));
	doms_vs_fake(&f, NULL, SHMRING_E_MSG_TYPE, true,
		     "expected OFFER, received ACCEPT", "ACCEPT for OFFER");
	fake_offer(&f, 5);
	f.offer.hdr.rsvd[0] = 1;
	doms_vs_fake(&f, NULL, SHMRING_E_MSG_BAD, true, "reserved",
		     "OFFER reserved bytes");

	/* Out-of-range sizes, protocol and DomS limits. */
	fake_offer(&f, 5);
	f.offer.u.offer.ring_size = 3;
	doms_vs_fake(&f, NULL, SHMRING_E_HDR_RING_SIZE,
		     true, "ring size 3 is not a power of two in 64..32768",
		     "ring size 3");
	fake_offer(&f, 5);
	f.offer.u.offer.n_qp = 40;
	doms_vs_fake(&f, NULL, SHMRING_E_HDR_QUEUES, true, "40",
		     "40 queue pairs");
	fake_offer(&f, 5);
	f.offer.u.offer.mtu = 20000;
	doms_vs_fake(&f, NULL, SHMRING_E_HDR_MTU, true, "MTU 20000",
		     "MTU 20000");
	shmring_limits_default(&lim);
	lim.max_ring_size = 128;
	fake_offer(&f, 5);
	doms_vs_fake(&f, &lim, SHMRING_E_HDR_RING_SIZE, true,
		     "DomS accepts at most 128", "ring over DomS limit");
	shmring_limits_default(&lim);
	lim.max_region_size = gregion_size() - 4096;
	fake_offer(&f, 5);
	doms_vs_fake(&f, &lim, SHMRING_E_HDR_SIZE, true,
		     "DomS accepts at most", "region over DomS limit");
	fake_offer(&f, 5);
	f.offer.u.offer.region_size += 4096;
	doms_vs_fake(&f, NULL, SHMRING_E_HDR_SIZE, true, "need exactly",
		     "region size not the layout's");

	/* The memory fd. */
	fake_offer(&f, 5);
	close(f.fds[0]);
	f.n_fds = 0;
	doms_vs_fake(&f, NULL, SHMRING_E_FD_MISSING, true, "no memory",
		     "no fd");
	fake_offer(&f, 5);
	f.fds[1] = make_memfd(&gparams, 0, SEALS_ALL, 5, NULL);
	f.n_fds = 2;
	doms_vs_fake(&f, NULL, SHMRING_E_MSG_BAD, true,
		     "2 file descriptors", "two fds");
	fake_offer(&f, 5);
	close(f.fds[0]);
	f.fds[0] = make_memfd(&gparams, 0, 0, 5, NULL);
	doms_vs_fake(&f, NULL, SHMRING_E_FD_NOT_SEALED, true, "seals 0x0",
		     "unsealed memfd");
	fake_offer(&f, 5);
	close(f.fds[0]);
	f.fds[0] = make_memfd(&gparams, 0, F_SEAL_SHRINK | F_SEAL_GROW, 5,
			      NULL);
	doms_vs_fake(&f, NULL, SHMRING_E_FD_NOT_SEALED, true, "needs",
		     "memfd without F_SEAL_SEAL");
	fake_offer(&f, 5);
	close(f.fds[0]);
	if (pipe2(pipefd, O_CLOEXEC) != 0)
		abort();
	close(pipefd[1]);
	f.fds[0] = pipefd[0];
	doms_vs_fake(&f, NULL, SHMRING_E_FD_NOT_SEALED, true, "not a memfd",
		     "a pipe for a memfd");
	fake_offer(&f, 5);
	close(f.fds[0]);
	f.fds[0] = make_memfd(&gparams, gregion_size() - 4096, SEALS_ALL, 5,
			      NULL);
	doms_vs_fake(&f, NULL, SHMRING_E_FD_SIZE, true, "the offer says",
		     "short memfd");
	fake_offer(&f, 5);
	close(f.fds[0]);
	f.fds[0] = make_memfd(&gparams, gregion_size() + 4096, SEALS_ALL, 5,
			      NULL);
	doms_vs_fake(&f, NULL, SHMRING_E_FD_SIZE, true, "the offer says",
		     "long memfd");
	fake_offer(&f, 5);
	close(f.fds[0]);
	f.fds[0] = make_memfd(&gparams, 0, SEALS_ALL | F_SEAL_FUTURE_WRITE, 5,
			      NULL);
	doms_vs_fake(&f, NULL, SHMRING_E_FD_NOT_SEALED, true, "FUTURE_WRITE",
		     "memfd sealed against DomS's writes");
	fake_offer(&f, 5);
	close(f.fds[0]);
	f.fds[0] = make_memfd(&gparams, 0, SEALS_ALL | F_SEAL_WRITE, 5, NULL);
	doms_vs_fake(&f, NULL, SHMRING_E_FD_NOT_SEALED, true, "WRITE",
		     "memfd sealed against all writes");
	/*
	 * hugetlbfs: a punched hole SIGBUSes a reader when no huge page is
	 * free.  Refused for its file system, before size or contents, so
	 * no huge page needs to be free for this test.
	 */
	fake_offer(&f, 5);
	close(f.fds[0]);
	f.fds[0] = make_hugetlb_memfd();
	if (f.fds[0] >= 0) {
		doms_vs_fake(&f, NULL, SHMRING_E_FD_KIND, true, "not shmem",
			     "hugetlbfs memfd");
	} else {
		/* Without hugetlbfs in the kernel, no guest can make one. */
		printf("# no hugetlbfs memfd here (%s): nothing to refuse\n",
		       strerror(errno));
		f.fds[0] = make_memfd(&gparams, 0, SEALS_ALL, 5, NULL);
	}

	/* The header in the memory. */
	fake_offer(&f, 5);
	close(f.fds[0]);
	f.fds[0] = make_memfd(&gparams, 0, SEALS_ALL, 5, mut_mtu);
	doms_vs_fake(&f, NULL, SHMRING_E_HDR_MISMATCH, true, "MTU 1400",
		     "header MTU differs from OFFER");
	fake_offer(&f, 5);
	close(f.fds[0]);
	f.fds[0] = make_memfd(&gparams, 0, SEALS_ALL, 4, NULL);
	doms_vs_fake(&f, NULL, SHMRING_E_HDR_MISMATCH, true, "guest epoch 4",
		     "header epoch differs from OFFER");
	fake_offer(&f, 5);
	close(f.fds[0]);
	f.fds[0] = make_memfd(&gparams, 0, SEALS_ALL, 5, mut_magic);
	doms_vs_fake(&f, NULL, SHMRING_E_HDR_MAGIC, true, "magic",
		     "header magic");
	fake_offer(&f, 5);
	close(f.fds[0]);
	f.fds[0] = make_memfd(&gparams, 0, SEALS_ALL, 5, mut_ring);
	doms_vs_fake(&f, NULL, SHMRING_E_HDR_RING_SIZE, true, "ring size 100",
		     "header ring size");

	/* The guest refuses, hangs up, or says nothing. */
	fake_offer(&f, 5);
	shmring_msg_reject(&f.offer, SHMRING_E_HDR_MTU, "no thanks\x07");
	close(f.fds[0]);
	f.n_fds = 0;
	doms_vs_fake(&f, NULL, SHMRING_E_MSG_REJECTED, false,
		     "peer rejected (HDR_MTU): no thanks?", "guest REJECTs");
	fake_offer(&f, 5);
	f.hang_up = true;
	doms_vs_fake(&f, NULL, SHMRING_E_NO_PEER, false, "closed",
		     "guest hangs up");
	fake_offer(&f, 5);
	f.hang = true;
	doms_vs_fake(&f, NULL, SHMRING_E_TIMEOUT, false, "no OFFER",
		     "silent guest (1 s timeout)");
}

/* ------------------------------------------------------- fake DomS */

struct fake_doms {
	struct shmring_msg hello;
	size_t hello_len;
	int hello_fd;			/* -1: none */
	struct shmring_msg after;	/* sent after the OFFER */
	size_t after_len;		/* 0: send nothing */
	atomic_int release;		/* close the connection now */
	/* results */
	int reply_type, reply_code, offer_fds;
	pthread_t th;
};

static void *
fake_doms_thread(void *arg)
{
	struct fake_doms *f = arg;
	struct shmring_msg m, out;
	char why[SHMRING_WHY_MAX];
	int sock, nfd;
	ssize_t n;

	sock = raw_connect(path);
	if (sock < 0)
		return NULL;
	raw_timeouts(sock, 5000);
	if (raw_send(sock, &f->hello, f->hello_len, &f->hello_fd,
		     f->hello_fd >= 0 ? 1 : 0) != 0)
		goto out;
	n = raw_recv(sock, &m, &nfd);
	if (n == sizeof(m) && shmring_msg_decode(&m, n, &out, why,
						 sizeof(why)) == SHMRING_OK) {
		f->reply_type = out.hdr.type;
		if (out.hdr.type == SHMRING_MSG_REJECT)
			f->reply_code = (int)out.u.reject.code;
		f->offer_fds = nfd;
	}
	if (f->reply_type == SHMRING_MSG_OFFER && f->after_len > 0)
		raw_send(sock, &f->after, f->after_len, NULL, 0);
	/* Hold the connection until told, or until the guest closes it. */
	while (!atomic_load(&f->release)) {
		struct pollfd pfd = { .fd = sock, .events = POLLRDHUP };

		if (poll(&pfd, 1, 5) == 1)
			break;
	}
out:
	close(sock);
	return NULL;
}

/*
 * Run the real guest (polled here) against a fake DomS; expect event
 * 'ev' with last_err 'code', and the fake to have got 'reply'/'rcode'.
 */
static void
guest_vs_fake(struct shmring_guest_ep *g, struct fake_doms *f, int ev_want,
	      int code, int reply, int rcode, const char *text,
	      const char *what)
{
	char why[SHMRING_WHY_MAX] = "";
	int ev;

	atomic_store(&f->release, 0);
	if (pthread_create(&f->th, NULL, fake_doms_thread, f) != 0)
		abort();
	ev = guest_poll_event(g, why);
	if (ev != ev_want || shmring_guest_last_error(g) != code)
		TST_FAIL("%s: event %d, %s (%s); expected event %d with %s",
			 what, ev, shmring_errname(shmring_guest_last_error(g)),
			 why, ev_want, shmring_errname(code));
	if (text != NULL && strstr(why, text) == NULL)
		TST_FAIL("%s: '%s' does not say '%s'", what, why, text);
	atomic_store(&f->release, 1);
	pthread_join(f->th, NULL);
	if (f->reply_type != reply || f->reply_code != rcode)
		TST_FAIL("%s: fake DomS got type %d code %s, expected type %d "
			 "code %s", what, f->reply_type,
			 shmring_errname(f->reply_code), reply,
			 shmring_errname(rcode));
	if (reply == SHMRING_MSG_OFFER && f->offer_fds != 1)
		TST_FAIL("%s: OFFER came with %d fds", what, f->offer_fds);
	if (ev == SHMRING_EV_PEER_UP) {
		/* The fake has closed: the guest must notice. */
		ev = guest_poll_event(g, why);
		if (ev != SHMRING_EV_PEER_DOWN)
			TST_FAIL("%s: event %d after the fake left", what, ev);
	}
	CHECK(!shmring_guest_peer_attached(g));
}

static void
fake_hello(struct fake_doms *f)
{
	struct shmring_limits l;

	memset(f, 0, sizeof(*f));
	shmring_limits_default(&l);
	shmring_msg_hello(&f->hello, &l);
	f->hello_len = sizeof(f->hello);
	f->hello_fd = -1;
}

static void
test_guest_rejects(void)
{
	struct shmring_endpoint_cfg cfg = host_cfg(path, SHMRING_UID_ANY);
	struct shmring_guest_ep *g;
	struct shmring_doms_ep *d;
	char why[SHMRING_WHY_MAX] = "";
	struct fake_doms f;
	int fds0 = tst_count_fds();
	int memfd;

	CHECK_RC(shmring_guest_open(&g, &cfg, &gparams, why, sizeof(why)),
		 SHMRING_OK);

	fake_hello(&f);
	shmring_msg_accept(&f.after, 1);
	f.after_len = sizeof(f.after);
	guest_vs_fake(g, &f, SHMRING_EV_PEER_UP, SHMRING_OK,
		      SHMRING_MSG_OFFER, 0, "attached", "valid HELLO+ACCEPT");

	fake_hello(&f);
	f.hello.hdr.version = 2;
	guest_vs_fake(g, &f, SHMRING_EV_PEER_REJECTED, SHMRING_E_MSG_VERSION,
		      SHMRING_MSG_REJECT, SHMRING_E_MSG_VERSION,
		      "peer speaks protocol version 2", "HELLO version 2");
	fake_hello(&f);
	f.hello_len = 64;
	guest_vs_fake(g, &f, SHMRING_EV_PEER_REJECTED, SHMRING_E_MSG_TRUNCATED,
		      SHMRING_MSG_REJECT, SHMRING_E_MSG_TRUNCATED, "64 bytes",
		      "truncated HELLO");
	fake_hello(&f);
	f.hello.hdr.magic = SHMRING_MAGIC;
	guest_vs_fake(g, &f, SHMRING_EV_PEER_REJECTED, SHMRING_E_MSG_MAGIC,
		      SHMRING_MSG_REJECT, SHMRING_E_MSG_MAGIC, "magic",
		      "HELLO bad magic");
	fake_hello(&f);
	f.hello.hdr.type = 0;
	guest_vs_fake(g, &f, SHMRING_EV_PEER_REJECTED, SHMRING_E_MSG_TYPE,
		      SHMRING_MSG_REJECT, SHMRING_E_MSG_TYPE, "type 0",
		      "HELLO type 0");
	fake_hello(&f);
	f.hello.u.hello.max_ring_size = 128;
	guest_vs_fake(g, &f, SHMRING_EV_PEER_REJECTED, SHMRING_E_HDR_RING_SIZE,
		      SHMRING_MSG_REJECT, SHMRING_E_HDR_RING_SIZE,
		      "guest ring size 256, DomS accepts at most 128",
		      "DomS ring limit too small");
	fake_hello(&f);
	f.hello.u.hello.features = 0;
	guest_vs_fake(g, &f, SHMRING_EV_PEER_REJECTED, SHMRING_E_HDR_FEATURES,
		      SHMRING_MSG_REJECT, SHMRING_E_HDR_FEATURES, "features",
		      "DomS lacks multi-seg");
	fake_hello(&f);
	memfd = make_memfd(&gparams, 0, SEALS_ALL, 1, NULL);
	f.hello_fd = memfd;
	guest_vs_fake(g, &f, SHMRING_EV_PEER_REJECTED, SHMRING_E_MSG_BAD,
		      SHMRING_MSG_REJECT, SHMRING_E_MSG_BAD,
		      "HELLO with 1 file descriptors", "HELLO with an fd");
	close(memfd);

	/* Wrong answers to the OFFER. */
	fake_hello(&f);
	shmring_msg_accept(&f.after, 1);
	f.after.hdr.version = 3;
	f.after_len = sizeof(f.after);
	guest_vs_fake(g, &f, SHMRING_EV_PEER_REJECTED, SHMRING_E_MSG_VERSION,
		      SHMRING_MSG_OFFER, 0, "version 3", "ACCEPT version 3");
	fake_hello(&f);
	shmring_msg_hello(&f.after, &(struct shmring_limits){ 1, 64, 256, 68,
							      1 << 20 });
	f.after_len = sizeof(f.after);
	guest_vs_fake(g, &f, SHMRING_EV_PEER_REJECTED, SHMRING_E_MSG_TYPE,
		      SHMRING_MSG_OFFER, 0, "expected ACCEPT, received HELLO",
		      "HELLO for ACCEPT");
	fake_hello(&f);
	shmring_msg_reject(&f.after, SHMRING_E_FD_NOT_SEALED, "bad seals");
	f.after_len = sizeof(f.after);
	guest_vs_fake(g, &f, SHMRING_EV_PEER_REJECTED, SHMRING_E_MSG_REJECTED,
		      SHMRING_MSG_OFFER, 0, "FD_NOT_SEALED): bad seals",
		      "DomS REJECTs the OFFER");
	fake_hello(&f);
	guest_vs_fake(g, &f, SHMRING_EV_PEER_REJECTED, SHMRING_E_TIMEOUT,
		      SHMRING_MSG_OFFER, 0, "no ACCEPT",
		      "silent DomS (1 s timeout)");

	/* After all that, a real DomS still attaches. */
	{
		struct guest_runner r;

		runner_start(&r, g);
		CHECK_RC(shmring_doms_open(&d, &cfg, NULL, why, sizeof(why)),
			 SHMRING_OK);
		CHECK_EQ(doms_poll_event(d, why), SHMRING_EV_PEER_UP);
		runner_wait(&r, &r.n_up, 1);
		shmring_doms_close(d);
		runner_wait(&r, &r.n_down, 1);
		runner_stop(&r);
	}
	shmring_guest_close(g);
	CHECK_EQ(tst_count_fds(), fds0);
}

/* ------------------------------------------------- real against real */

static void
test_attach_detach(void)
{
	struct shmring_endpoint_cfg cfg = host_cfg(path, SHMRING_UID_ANY);
	const struct shmring_region_info *gi, *di;
	struct shmring_region_hdr *gh;
	struct shmring_guest_ep *g;
	struct shmring_doms_ep *d;
	struct guest_runner r;
	char why[SHMRING_WHY_MAX] = "";
	struct shmring_prod gp, dp;
	struct shmring_cons gc, dc;
	struct shmring_desc in, out = { 0 };
	int fds0 = tst_count_fds();
	struct stat st;
	uint32_t off;
	int err = SHMRING_OK;

	CHECK_RC(shmring_guest_open(&g, &cfg, &gparams, why, sizeof(why)),
		 SHMRING_OK);
	gh = shmring_guest_base(g);
	CHECK_EQ(gh->guest.epoch, 1);
	CHECK_EQ(gh->guest.live, SHMRING_SIDE_INIT);
	CHECK(!shmring_guest_peer_attached(g));
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode));
	runner_start(&r, g);

	CHECK_RC(shmring_doms_open(&d, &cfg, NULL, why, sizeof(why)),
		 SHMRING_OK);
	CHECK(shmring_doms_info(d) == NULL);
	CHECK_EQ(doms_poll_event(d, why), SHMRING_EV_PEER_UP);
	CHECK_STR(why, "attached");
	CHECK(shmring_doms_attached(d));
	runner_wait(&r, &r.n_up, 1);
	CHECK(runner_attached(&r));

	gi = shmring_guest_info(g);
	di = shmring_doms_info(d);
	CHECK(di != NULL && memcmp(&gi->layout, &di->layout,
				   sizeof(gi->layout)) == 0);
	CHECK(di != NULL && memcmp(gi->params.mac, di->params.mac, 6) == 0);
	CHECK(di != NULL && di->params.ring_size == 256);
	CHECK_EQ(gh->guest.epoch, 2);	/* created 1, +1 for the OFFER */
	CHECK_EQ(gh->guest.live, SHMRING_SIDE_CONNECTED);
	CHECK_EQ(gh->doms.epoch, 1);
	CHECK_EQ(gh->doms.live, SHMRING_SIDE_CONNECTED);

	/* Both mappings are one memory: a frame each way, queue pair 1. */
	CHECK_RC(shmring_prod_init(&gp, shmring_guest_base(g), gi, 2),
		 SHMRING_OK);
	CHECK_RC(shmring_cons_init(&dc, shmring_doms_base(d), di, 2),
		 SHMRING_OK);
	CHECK_RC(shmring_prod_init(&dp, shmring_doms_base(d), di, 3),
		 SHMRING_OK);
	CHECK_RC(shmring_cons_init(&gc, shmring_guest_base(g), gi, 3),
		 SHMRING_OK);
	memcpy(shmring_prod_slot(&gp, 0, &off), "to DomS", 8);
	in = (struct shmring_desc){ .offset = off, .len = 8 };
	CHECK_EQ(shmring_enqueue_burst(&gp, &in, 1, &err), 1);
	CHECK_EQ(shmring_dequeue_burst(&dc, &out, 1, &err), 1);
	CHECK(memcmp(shmring_cons_data(&dc, &out), "to DomS", 8) == 0);
	memcpy(shmring_prod_slot(&dp, 0, &off), "to guest", 9);
	in = (struct shmring_desc){ .offset = off, .len = 9 };
	CHECK_EQ(shmring_enqueue_burst(&dp, &in, 1, &err), 1);
	CHECK_EQ(shmring_dequeue_burst(&gc, &out, 1, &err), 1);
	CHECK(memcmp(shmring_cons_data(&gc, &out), "to guest", 9) == 0);
	CHECK_RC(err, SHMRING_OK);

	/* DomS leaves on purpose; the guest notices and stays. */
	shmring_doms_detach(d);
	CHECK(shmring_doms_base(d) == NULL);
	runner_wait(&r, &r.n_down, 1);
	CHECK_RC(runner_last_err(&r, NULL), SHMRING_E_NO_PEER);
	CHECK_EQ(gh->doms.live, SHMRING_SIDE_GONE);
	CHECK(!runner_attached(&r));

	/* And comes back: same region, new epochs, indices continue. */
	CHECK_EQ(doms_poll_event(d, why), SHMRING_EV_PEER_UP);
	runner_wait(&r, &r.n_up, 2);
	CHECK_EQ(gh->guest.epoch, 3);
	CHECK_EQ(gh->doms.epoch, 2);
	di = shmring_doms_info(d);
	CHECK_RC(shmring_cons_init(&dc, shmring_doms_base(d), di, 2),
		 SHMRING_OK);
	CHECK_EQ(dc.cons, 1);
	CHECK_EQ(dc.prod_seen, 1);

	/* The guest goes: DomS sees it, keeps the mapping until detach. */
	runner_stop(&r);
	shmring_guest_close(g);
	CHECK(stat(path, &st) != 0 && errno == ENOENT);
	CHECK_EQ(doms_poll_event(d, why), SHMRING_EV_PEER_DOWN);
	CHECK(!shmring_doms_attached(d));
	CHECK(shmring_doms_base(d) != NULL);
	CHECK_RC(shmring_doms_last_error(d), SHMRING_E_NO_PEER);
	/* still mapped: reading the header is fine */
	CHECK_EQ(((struct shmring_region_hdr *)shmring_doms_base(d))->magic,
		 SHMRING_MAGIC);
	CHECK_EQ(shmring_doms_poll(d, why, sizeof(why)), SHMRING_EV_NONE);
	shmring_doms_detach(d);
	CHECK(shmring_doms_base(d) == NULL);
	/* Nobody there now. */
	CHECK_EQ(shmring_doms_poll(d, why, sizeof(why)), SHMRING_EV_NONE);
	CHECK_RC(shmring_doms_last_error(d), SHMRING_E_NO_PEER);
	CHECK_STR(why, "no guest listening");
	CHECK_EQ(shmring_doms_poll(d, NULL, 0), SHMRING_EV_NONE);
	shmring_doms_close(d);
	CHECK_EQ(tst_count_fds(), fds0);
}

static void
test_second_doms(void)
{
	struct shmring_endpoint_cfg cfg = host_cfg(path, SHMRING_UID_ANY);
	struct shmring_guest_ep *g;
	struct shmring_doms_ep *d1, *d2;
	struct guest_runner r;
	char why[SHMRING_WHY_MAX] = "";
	struct shmring_prod gp;
	struct shmring_cons dc;
	struct shmring_desc in, out = { 0 };
	int fds0 = tst_count_fds();
	uint32_t off;
	int err = SHMRING_OK, i;

	CHECK_RC(shmring_guest_open(&g, &cfg, &gparams, why, sizeof(why)),
		 SHMRING_OK);
	runner_start(&r, g);
	CHECK_RC(shmring_doms_open(&d1, &cfg, NULL, why, sizeof(why)),
		 SHMRING_OK);
	CHECK_RC(shmring_doms_open(&d2, &cfg, NULL, why, sizeof(why)),
		 SHMRING_OK);
	CHECK_EQ(doms_poll_event(d1, why), SHMRING_EV_PEER_UP);
	runner_wait(&r, &r.n_up, 1);

	for (i = 0; i < 3; i++) {
		CHECK_EQ(doms_poll_event(d2, why), SHMRING_EV_PEER_REJECTED);
		CHECK_RC(shmring_doms_last_error(d2), SHMRING_E_MSG_REJECTED);
		CHECK_STR(why, "BUSY");
		runner_wait(&r, &r.n_rej, i + 1);
		CHECK_RC(runner_last_err(&r, why), SHMRING_E_BUSY);
		CHECK_STR(why, "already attached");
	}
	/* The first is untouched: still attached, rings still work. */
	CHECK_EQ(shmring_doms_poll(d1, why, sizeof(why)), SHMRING_EV_NONE);
	CHECK(shmring_doms_attached(d1));
	CHECK(runner_attached(&r));
	CHECK_RC(shmring_prod_init(&gp, shmring_guest_base(g),
				   shmring_guest_info(g), 0), SHMRING_OK);
	CHECK_RC(shmring_cons_init(&dc, shmring_doms_base(d1),
				   shmring_doms_info(d1), 0), SHMRING_OK);
	memcpy(shmring_prod_slot(&gp, 0, &off), "still", 6);
	in = (struct shmring_desc){ .offset = off, .len = 6 };
	CHECK_EQ(shmring_enqueue_burst(&gp, &in, 1, &err), 1);
	CHECK_EQ(shmring_dequeue_burst(&dc, &out, 1, &err), 1);
	CHECK(memcmp(shmring_cons_data(&dc, &out), "still", 6) == 0);
	pthread_mutex_lock(&r.lock);
	CHECK_EQ(r.n_down, 0);
	pthread_mutex_unlock(&r.lock);

	/* Once the first leaves, the second gets in. */
	shmring_doms_close(d1);
	runner_wait(&r, &r.n_down, 1);
	CHECK_EQ(doms_poll_event(d2, why), SHMRING_EV_PEER_UP);
	runner_wait(&r, &r.n_up, 2);
	shmring_doms_close(d2);
	runner_wait(&r, &r.n_down, 2);
	runner_stop(&r);
	shmring_guest_close(g);
	CHECK_EQ(tst_count_fds(), fds0);
}

static void
test_peer_uid(void)
{
	uint32_t other = (uint32_t)getuid() + 4242;
	struct shmring_endpoint_cfg gcfg, dcfg;
	struct shmring_guest_ep *g;
	struct shmring_doms_ep *d;
	struct guest_runner r;
	char why[SHMRING_WHY_MAX] = "";
	int fds0 = tst_count_fds();

	/* The guest only admits another uid. */
	gcfg = host_cfg(path, other);
	dcfg = host_cfg(path, SHMRING_UID_ANY);
	CHECK_RC(shmring_guest_open(&g, &gcfg, &gparams, why, sizeof(why)),
		 SHMRING_OK);
	runner_start(&r, g);
	CHECK_RC(shmring_doms_open(&d, &dcfg, NULL, why, sizeof(why)),
		 SHMRING_OK);
	CHECK_EQ(doms_poll_event(d, why), SHMRING_EV_PEER_REJECTED);
	CHECK_RC(shmring_doms_last_error(d), SHMRING_E_MSG_REJECTED);
	CHECK_STR(why, "PEER_CRED");
	runner_wait(&r, &r.n_rej, 1);
	CHECK_RC(runner_last_err(&r, why), SHMRING_E_PEER_CRED);
	CHECK_STR(why, "only uid");
	CHECK(!runner_attached(&r));
	shmring_doms_close(d);
	runner_stop(&r);
	shmring_guest_close(g);

	/* DomS only serves another uid. */
	gcfg = host_cfg(path, SHMRING_UID_ANY);
	dcfg = host_cfg(path, other);
	CHECK_RC(shmring_guest_open(&g, &gcfg, &gparams, why, sizeof(why)),
		 SHMRING_OK);
	runner_start(&r, g);
	CHECK_RC(shmring_doms_open(&d, &dcfg, NULL, why, sizeof(why)),
		 SHMRING_OK);
	CHECK_EQ(doms_poll_event(d, why), SHMRING_EV_PEER_REJECTED);
	CHECK_RC(shmring_doms_last_error(d), SHMRING_E_PEER_CRED);
	CHECK_STR(why, "is served");
	runner_wait(&r, &r.n_rej, 1);
	CHECK_RC(runner_last_err(&r, why), SHMRING_E_MSG_REJECTED);
	CHECK_STR(why, "PEER_CRED");
	shmring_doms_close(d);
	runner_stop(&r);
	shmring_guest_close(g);

	/* Both name the right uid: fine. */
	gcfg = host_cfg(path, (uint32_t)getuid());
	dcfg = host_cfg(path, (uint32_t)getuid());
	CHECK_RC(shmring_guest_open(&g, &gcfg, &gparams, why, sizeof(why)),
		 SHMRING_OK);
	runner_start(&r, g);
	CHECK_RC(shmring_doms_open(&d, &dcfg, NULL, why, sizeof(why)),
		 SHMRING_OK);
	CHECK_EQ(doms_poll_event(d, why), SHMRING_EV_PEER_UP);
	runner_wait(&r, &r.n_up, 1);
	shmring_doms_close(d);
	runner_stop(&r);
	shmring_guest_close(g);
	CHECK_EQ(tst_count_fds(), fds0);
}

static void
test_config(void)
{
	struct shmring_endpoint_cfg cfg = host_cfg(path, SHMRING_UID_ANY);
	struct shmring_guest_ep *g, *g2;
	struct shmring_doms_ep *d;
	struct shmring_params p = gparams;
	struct shmring_limits lim;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char why[SHMRING_WHY_MAX] = "";
	char file[96];
	int fds0 = tst_count_fds();
	struct stat st;
	int fd;

	/* A stale socket file (bound, nobody listening) is replaced. */
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	close(fd);
	CHECK(stat(path, &st) == 0);
	CHECK_RC(shmring_guest_open(&g, &cfg, &gparams, why, sizeof(why)),
		 SHMRING_OK);

	/* A live listener is not: the second guest fails, first unhurt. */
	CHECK_RC(shmring_guest_open(&g2, &cfg, &gparams, why, sizeof(why)),
		 SHMRING_E_CONFIG);
	CHECK_STR(why, "in use by a live listener");
	CHECK(g2 == NULL);
	/* The probe reached the first guest as a connection that closed. */
	CHECK_EQ(guest_poll_event(g, why), SHMRING_EV_PEER_REJECTED);
	CHECK_RC(shmring_guest_last_error(g), SHMRING_E_NO_PEER);
	shmring_guest_close(g);

	/* Anything but a socket is left alone. */
	snprintf(file, sizeof(file), "%s/plain", dir);
	fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	close(fd);
	cfg = host_cfg(file, SHMRING_UID_ANY);
	CHECK_RC(shmring_guest_open(&g, &cfg, &gparams, why, sizeof(why)),
		 SHMRING_E_CONFIG);
	CHECK_STR(why, "not a socket");
	CHECK(stat(file, &st) == 0 && S_ISREG(st.st_mode));
	unlink(file);

	/* Paths. */
	cfg = host_cfg("", SHMRING_UID_ANY);
	CHECK_RC(shmring_guest_open(&g, &cfg, &gparams, why, sizeof(why)),
		 SHMRING_E_CONFIG);
	CHECK_RC(shmring_doms_open(&d, &cfg, NULL, why, sizeof(why)),
		 SHMRING_E_CONFIG);
	memset(cfg.path, 'x', sizeof(cfg.path));
	CHECK_RC(shmring_guest_open(&g, &cfg, &gparams, why, sizeof(why)),
		 SHMRING_E_CONFIG);
	CHECK_STR(why, "1..107");
	CHECK_RC(shmring_doms_open(&d, &cfg, NULL, why, sizeof(why)),
		 SHMRING_E_CONFIG);

	/* Params and limits. */
	cfg = host_cfg(path, SHMRING_UID_ANY);
	p.ring_size = 1000;
	CHECK_RC(shmring_guest_open(&g, &cfg, &p, why, sizeof(why)),
		 SHMRING_E_HDR_RING_SIZE);
	CHECK_STR(why, "ring size 1000");
	p = gparams;
	p.n_qp = 16;
	p.ring_size = 32768;
	p.slot_size = 65536;
	CHECK_RC(shmring_guest_open(&g, &cfg, &p, why, sizeof(why)),
		 SHMRING_E_HDR_SIZE);
	shmring_limits_default(&lim);
	lim.max_mtu = 10;
	CHECK_RC(shmring_doms_open(&d, &cfg, &lim, why, sizeof(why)),
		 SHMRING_E_CONFIG);
	CHECK_STR(why, "admit no region");

	/* Transports. */
	cfg.transport = (enum shmring_transport_kind)7;
	CHECK_RC(shmring_guest_open(&g, &cfg, &gparams, why, sizeof(why)),
		 SHMRING_E_CONFIG);
	CHECK_STR(why, "unknown transport");
#ifndef SHMRING_HAVE_XEN
	cfg.transport = SHMRING_TRANSPORT_XEN;
	CHECK_RC(shmring_guest_open(&g, &cfg, &gparams, why, sizeof(why)),
		 SHMRING_E_CONFIG);
	CHECK_STR(why, "without Xen support");
	CHECK_RC(shmring_doms_open(&d, &cfg, NULL, why, sizeof(why)),
		 SHMRING_E_CONFIG);
	CHECK_STR(why, "without Xen support");
#endif
	CHECK_EQ(tst_count_fds(), fds0);
}

/*
 * Silent peers cost their own handshake only.  Eight peers that connect
 * (or listen) and never answer, polled from the same thread as a good
 * one, must not delay the good one's attach: it has to be up before
 * any silent handshake could even time out (1 s).  When a step waited
 * for its peer, eight silent peers delayed it by 8 s.
 */
#define N_SILENT	8
#define SILENT_BOUND_MS	900

static void
test_silent_doms_side(void)
{
	struct shmring_endpoint_cfg cfg = host_cfg(path, SHMRING_UID_ANY);
	struct shmring_doms_ep *d, *sd[N_SILENT];
	struct shmring_endpoint_cfg sc[N_SILENT];
	char why[SHMRING_WHY_MAX] = "";
	int lfd[N_SILENT], n_timeout = 0, i, ev;
	struct shmring_guest_ep *g;
	struct guest_runner r;
	uint64_t t0, end, up_ms = 0;
	bool silent_done[N_SILENT] = { false };
	int fds0 = tst_count_fds();

	for (i = 0; i < N_SILENT; i++) {
		sc[i] = cfg;
		snprintf(sc[i].path, sizeof(sc[i].path), "%s/silent%d.sock",
			 dir, i);
		lfd[i] = raw_listen(sc[i].path); /* listens, never accepts */
		CHECK_RC(shmring_doms_open(&sd[i], &sc[i], NULL, why,
					   sizeof(why)), SHMRING_OK);
	}
	CHECK_RC(shmring_guest_open(&g, &cfg, &gparams, why, sizeof(why)),
		 SHMRING_OK);
	runner_start(&r, g);
	CHECK_RC(shmring_doms_open(&d, &cfg, NULL, why, sizeof(why)),
		 SHMRING_OK);

	/* One thread polls all nine, silent ones first, like a PMD's alarm. */
	t0 = tst_now_ns();
	end = t0 + WAIT_MS * 1000000ull;
	while (tst_now_ns() < end && (up_ms == 0 || n_timeout < N_SILENT)) {
		for (i = 0; i < N_SILENT; i++) {
			if (silent_done[i])
				continue;
			ev = shmring_doms_poll(sd[i], why, sizeof(why));
			if (ev == SHMRING_EV_PEER_REJECTED) {
				silent_done[i] = true;
				n_timeout += shmring_doms_last_error(sd[i]) ==
					     SHMRING_E_TIMEOUT;
			}
		}
		if (up_ms == 0 &&
		    shmring_doms_poll(d, why, sizeof(why)) ==
		    SHMRING_EV_PEER_UP)
			up_ms = (tst_now_ns() - t0) / 1000000u;
		msleep(1);
	}
	printf("# good guest attached after %llu ms beside %d silent "
	       "guests\n", (unsigned long long)up_ms, N_SILENT);
	CHECK(up_ms > 0 && up_ms < SILENT_BOUND_MS);
	CHECK_EQ(n_timeout, N_SILENT);
	CHECK(shmring_doms_attached(d));

	runner_stop(&r);
	shmring_doms_close(d);
	shmring_guest_close(g);
	for (i = 0; i < N_SILENT; i++) {
		shmring_doms_close(sd[i]);
		close(lfd[i]);
		unlink(sc[i].path);
	}
	CHECK_EQ(tst_count_fds(), fds0);
}

static void
test_silent_guest_side(void)
{
	struct shmring_endpoint_cfg cfg = host_cfg(path, SHMRING_UID_ANY);
	char why[SHMRING_WHY_MAX] = "";
	struct shmring_guest_ep *g;
	struct shmring_doms_ep *d;
	struct guest_runner r;
	int silent[N_SILENT], i, ev;
	uint64_t t0, up_ms = 0;
	int fds0 = tst_count_fds();

	CHECK_RC(shmring_guest_open(&g, &cfg, &gparams, why, sizeof(why)),
		 SHMRING_OK);
	runner_start(&r, g);
	/* Eight "DomS" connect and say nothing; the runner takes them. */
	for (i = 0; i < N_SILENT; i++)
		silent[i] = raw_connect(path);
	CHECK_RC(shmring_doms_open(&d, &cfg, NULL, why, sizeof(why)),
		 SHMRING_OK);
	t0 = tst_now_ns();
	ev = doms_poll_event(d, why);
	up_ms = (tst_now_ns() - t0) / 1000000u;
	printf("# DomS attached after %llu ms while %d silent connections "
	       "were open\n", (unsigned long long)up_ms, N_SILENT);
	CHECK_EQ(ev, SHMRING_EV_PEER_UP);
	CHECK(up_ms < SILENT_BOUND_MS);
	runner_wait(&r, &r.n_up, 1);
	/* The silent ones still waiting time out; the good one stays. */
	runner_wait(&r, &r.n_rej, 1);
	CHECK_EQ(runner_last_err(&r, why), SHMRING_E_TIMEOUT);
	CHECK_STR(why, "no HELLO");
	CHECK(runner_attached(&r));
	CHECK(shmring_doms_attached(d));

	for (i = 0; i < N_SILENT; i++)
		if (silent[i] >= 0)
			close(silent[i]);
	runner_stop(&r);
	shmring_doms_close(d);
	shmring_guest_close(g);
	CHECK_EQ(tst_count_fds(), fds0);
}

int
main(void)
{
	tst_watchdog(120);
	signal(SIGPIPE, SIG_DFL);	/* a SIGPIPE would kill us: must not */
	snprintf(dir, sizeof(dir), "/tmp/shmring-ep-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/guest.sock", dir);

	tst_run("attach, detach, re-attach, guest leaves", test_attach_detach);
	tst_run("a second DomS is refused, the first unhurt",
		test_second_doms);
	tst_run("peer uid checks on both sides", test_peer_uid);
	tst_run("DomS rejects bad offers, fds and headers", test_doms_rejects);
	tst_run("guest rejects bad HELLO and answers", test_guest_rejects);
	tst_run("configuration errors", test_config);
	tst_run("silent guests cost DomS nothing", test_silent_doms_side);
	tst_run("silent DomS cost the guest nothing", test_silent_guest_side);

	unlink(path);
	rmdir(dir);
	return tst_done();
}
