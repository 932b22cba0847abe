/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Two processes over the host transport: a guest (this process) and a
 * DomS (a child) attach through the real endpoints and then send each
 * other N frames at the same time, one stream each way.  Every frame's
 * length and content follow from its sequence number; each receiver
 * demands exactly 0, 1, 2, ... N-1, so a loss, a duplicate, a reorder
 * or a corrupted byte fails the test.  Frames longer than a slot travel
 * as descriptor chains.
 *
 *   test_traffic [frames]      default 4M frames each way (1M with ASan)
 *
 * Timing is printed for information only; nothing asserts a speed.  A
 * stall of STALL_S seconds without progress fails instead of hanging.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "shmring_endpoint.h"
#include "traffic.h"
#include "tst.h"

/*
 * 4M frames each way; 1M under ASan, which makes every byte check ~10x
 * slower, so that a loaded 2-CPU machine still runs it in well under 30 s.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SHMRING_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(SHMRING_TEST_ASAN)
#define FRAMES_DEFAULT	(1ull << 20)
#else
#define FRAMES_DEFAULT	(4ull << 20)
#endif
#define BURST		32
#define STALL_S		20
#define POLL_EVERY	4096	/* loop turns between endpoint polls */

struct side {
	const char *name;
	struct shmring_prod p;
	struct shmring_cons c;
	uint64_t tx_seq;	/* next to send */
	uint64_t rx_seq;	/* next expected */
	uint64_t rx_descs;
	uint8_t frame[SHMRING_MAX_FRAME];
};

static uint64_t n_frames = FRAMES_DEFAULT;
static char path[96];

static bool
stalled(uint64_t *last_progress_ns, bool progressed, const char *who)
{
	uint64_t now = tst_now_ns();

	if (progressed) {
		*last_progress_ns = now;
		return false;
	}
	if (now - *last_progress_ns > STALL_S * 1000000000ull) {
		fprintf(stderr, "%s: no progress for %d s\n", who, STALL_S);
		return true;
	}
	return false;
}

/* One round of sending and receiving.  -1 on a broken rule. */
static int
step(struct side *s, uint32_t max_frame, bool *progressed)
{
	uint32_t avail, i = 0, frames = 0, nd, len;
	uint64_t left = n_frames - s->tx_seq;
	int64_t seq;
	int err = SHMRING_OK;

	*progressed = false;
	if (left > 0 && traffic_tx(&s->p, &s->tx_seq,
				   left < BURST ? (uint32_t)left : BURST,
				   max_frame, &err) > 0)
		*progressed = true;
	if (err != SHMRING_OK) {
		fprintf(stderr, "%s: tx: %s\n", s->name, shmring_errname(err));
		return -1;
	}
	avail = shmring_cons_avail(&s->c, 1, &err);
	while (i < avail && frames < BURST) {
		nd = traffic_rx_copy(&s->c, i, avail, s->frame, &len, &err);
		if (nd == 0) {
			fprintf(stderr, "%s: rx frame %" PRIu64 ": %s\n",
				s->name, s->rx_seq, shmring_errname(err));
			return -1;
		}
		seq = traffic_check(s->frame, len, max_frame);
		if (seq < 0 || (uint64_t)seq != s->rx_seq) {
			fprintf(stderr, "%s: expected frame %" PRIu64 ", got %"
				PRId64 " (%u bytes, -1 = corrupted)\n",
				s->name, s->rx_seq, seq, len);
			return -1;
		}
		s->rx_seq++;
		s->rx_descs += nd;
		i += nd;
		frames++;
	}
	if (err != SHMRING_OK) {
		fprintf(stderr, "%s: rx: %s\n", s->name, shmring_errname(err));
		return -1;
	}
	if (i) {
		shmring_cons_release(&s->c, i);
		*progressed = true;
	}
	return 0;
}

static bool
done(const struct side *s)
{
	return s->tx_seq == n_frames && s->rx_seq == n_frames;
}

/* The child: DomS.  Consumes ring 0 (g2d), produces ring 1 (d2g). */
static int
run_doms(void)
{
	struct shmring_endpoint_cfg cfg = { .transport = SHMRING_TRANSPORT_HOST,
					    .peer_uid = (uint32_t)getuid() };
	const struct shmring_region_info *info;
	struct shmring_doms_ep *d;
	char why[SHMRING_WHY_MAX] = "";
	uint64_t last = tst_now_ns();
	unsigned int idle = 0;
	uint32_t iter = 0;
	bool moved;
	struct side *s;
	int ev, rc = 1;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return 1;
	s->name = "DomS";
	snprintf(cfg.path, sizeof(cfg.path), "%s", path);
	if (shmring_doms_open(&d, &cfg, NULL, why, sizeof(why)) != SHMRING_OK) {
		fprintf(stderr, "DomS: open: %s\n", why);
		free(s);
		return 1;
	}
	while ((ev = shmring_doms_poll(d, why, sizeof(why))) !=
	       SHMRING_EV_PEER_UP) {
		if (ev == SHMRING_EV_PEER_REJECTED ||
		    stalled(&last, false, "DomS attach")) {
			fprintf(stderr, "DomS: attach: %s\n", why);
			goto out;
		}
		usleep(1000);
	}
	info = shmring_doms_info(d);
	if (shmring_cons_init(&s->c, shmring_doms_base(d), info, 0) ||
	    shmring_prod_init(&s->p, shmring_doms_base(d), info, 1)) {
		fprintf(stderr, "DomS: ring set-up failed\n");
		goto out;
	}
	last = tst_now_ns();
	while (!done(s)) {
		if (step(s, shmring_max_frame(info->params.mtu), &moved) != 0)
			goto out;
		if (stalled(&last, moved, "DomS"))
			goto out;
		if (!moved)
			traffic_idle(&idle);
		if (++iter % POLL_EVERY == 0 &&
		    shmring_doms_poll(d, why, sizeof(why)) ==
		    SHMRING_EV_PEER_DOWN) {
			fprintf(stderr, "DomS: guest left early: %s\n", why);
			goto out;
		}
	}
	rc = 0;
out:
	shmring_doms_close(d);
	free(s);
	return rc;
}

/* Reap the child if it exited; -1 while it runs. */
static int
child_status(pid_t pid, bool wait_for_it)
{
	uint64_t end = tst_now_ns() + STALL_S * 1000000000ull;
	int st;

	do {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 +
				WTERMSIG(st);
		if (!wait_for_it)
			return -1;
		usleep(1000);
	} while (tst_now_ns() < end);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return 255;
}

static void
test_two_processes(void)
{
	struct shmring_endpoint_cfg cfg = { .transport = SHMRING_TRANSPORT_HOST,
					    .peer_uid = (uint32_t)getuid() };
	const struct shmring_region_info *info;
	struct shmring_guest_ep *g;
	char why[SHMRING_WHY_MAX] = "";
	uint64_t t0, t1, last;
	unsigned int idle = 0;
	uint32_t iter = 0, max_frame;
	int ev, cst = -1;
	bool moved;
	struct side *s;
	pid_t pid;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		abort();
	s->name = "guest";
	snprintf(cfg.path, sizeof(cfg.path), "%s", path);
	CHECK_RC(shmring_guest_open(&g, &cfg, &traffic_params, why,
				    sizeof(why)), SHMRING_OK);
	if (g == NULL) {
		TST_FAIL("guest open: %s", why);
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		traffic_child_setup();
		_exit(run_doms());
	}
	CHECK(pid > 0);

	last = tst_now_ns();
	while ((ev = shmring_guest_poll(g, why, sizeof(why))) !=
	       SHMRING_EV_PEER_UP) {
		if (ev == SHMRING_EV_PEER_REJECTED ||
		    child_status(pid, false) >= 0 ||
		    stalled(&last, false, "guest attach")) {
			TST_FAIL("guest: no DomS attached: %s", why);
			goto out;
		}
		usleep(1000);
	}
	info = shmring_guest_info(g);
	max_frame = shmring_max_frame(info->params.mtu);
	CHECK_RC(shmring_prod_init(&s->p, shmring_guest_base(g), info, 0),
		 SHMRING_OK);
	CHECK_RC(shmring_cons_init(&s->c, shmring_guest_base(g), info, 1),
		 SHMRING_OK);

	t0 = tst_now_ns();
	last = t0;
	while (!done(s)) {
		if (step(s, max_frame, &moved) != 0) {
			TST_FAIL("guest: a rule broke, see above");
			goto out;
		}
		if (stalled(&last, moved, "guest")) {
			TST_FAIL("guest stalled");
			goto out;
		}
		if (!moved)
			traffic_idle(&idle);
		/* DomS may finish first and leave: only its exit code counts. */
		if (++iter % POLL_EVERY == 0 &&
		    shmring_guest_poll(g, why, sizeof(why)) ==
		    SHMRING_EV_PEER_DOWN) {
			cst = child_status(pid, true);
			if (cst != 0) {
				TST_FAIL("DomS died with %d: %s", cst, why);
				goto out;
			}
		}
	}
	t1 = tst_now_ns();
	CHECK_EQ(s->rx_seq, n_frames);
	CHECK_EQ(s->tx_seq, n_frames);
	printf("# %" PRIu64 " frames each way (%" PRIu64 " descriptors "
	       "guest-bound) in %.2f s; %.2f Mframes/s both ways "
	       "(information only)\n", n_frames, s->rx_descs,
	       (t1 - t0) / 1e9, 2.0 * n_frames / ((t1 - t0) / 1e3));
out:
	if (cst < 0)
		cst = child_status(pid, true);
	if (cst != 0)
		TST_FAIL("DomS exited with %d", cst);
	shmring_guest_close(g);
	free(s);
}

int
main(int argc, char **argv)
{
	char dir[64];

	if (argc > 1)
		n_frames = strtoull(argv[1], NULL, 0);
	if (n_frames == 0 || n_frames >= (1ull << 62))
		return 2;
	tst_watchdog(290);
	snprintf(dir, sizeof(dir), "/tmp/shmring-traffic-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/guest.sock", dir);
	tst_run("two processes, both directions, content checked",
		test_two_processes);
	rmdir(dir);
	return tst_done();
}
