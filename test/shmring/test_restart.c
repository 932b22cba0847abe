/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * A DomS killed with SIGKILL mid-traffic, and a new one taking over.
 *
 * Three processes at a time: the test (orchestrator), a guest that runs
 * for the whole test, and a DomS that echoes every frame of ring 0
 * (guest -> DomS) back on ring 1 (DomS -> guest), like a switch would
 * forward it.  The orchestrator SIGKILLs the DomS at random moments while
 * traffic flows and starts a new one, KILLS times.  Each new DomS attaches
 * to the same region and resumes from the shared indices.
 *
 * What must hold:
 *  - the guest never stops, notices each death (PEER_DOWN) and each new
 *    DomS (PEER_UP), and traffic resumes;
 *  - the echoed stream the guest receives is strictly increasing and
 *    every frame is intact: gaps are allowed, duplicates and corruption
 *    are not;
 *  - at most ECHO_BATCH frames are lost per kill: what one DomS held in
 *    private memory between consuming and publishing (its in-flight);
 *  - a new DomS never consumes a frame an earlier one already consumed.
 *
 * Nothing is timed except for hang detection.
 */

#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "shmring_endpoint.h"
#include "traffic.h"
#include "tst.h"

#define KILLS		8
/* DomS killed at a random moment, attached or not. */
#define EARLY_KILLS	20
#define ECHO_BATCH	32	/* frames a DomS holds between rx and tx */
/* Echoed frames before each kill: STAGE_MIN + rand() % STAGE_RAND. */
#define STAGE_MIN	100000
#define STAGE_RAND	100000
#define STALL_S		20
#define POLL_EVERY	256

struct shared {
	_Atomic uint64_t guest_rx;	/* echoed frames verified */
	_Atomic uint64_t guest_tx;
	_Atomic uint64_t guest_gaps;	/* frames lost */
	_Atomic uint32_t guest_ups;
	_Atomic uint32_t guest_downs;
	_Atomic uint32_t guest_rejects;
	_Atomic uint32_t doms_attached;	/* incarnations that got PEER_UP */
	_Atomic uint64_t doms_last;	/* last consumed seq + 1 (0: none) */
	_Atomic uint32_t guest_ready;
	_Atomic int stop;
};

static struct shared *sh;
static char path[96];

static bool
stalled(uint64_t *mark, bool progressed)
{
	uint64_t now = tst_now_ns();

	if (progressed)
		*mark = now;
	return now - *mark > STALL_S * 1000000000ull;
}

/* ---------------------------------------------------------------- guest */

static int
run_guest(void)
{
	struct shmring_endpoint_cfg cfg = { .transport = SHMRING_TRANSPORT_HOST,
					    .peer_uid = (uint32_t)getuid() };
	const struct shmring_region_info *info;
	struct shmring_guest_ep *g;
	struct shmring_prod p;
	struct shmring_cons c;
	char why[SHMRING_WHY_MAX] = "";
	static uint8_t frame[SHMRING_MAX_FRAME];
	uint64_t tx_seq = 0, iter = 0;
	int64_t last = -1, seq;
	uint32_t avail, i, nd, len, max_frame;
	unsigned int idle = 0;
	int err = SHMRING_OK, ev, rc = 1;
	bool moved;

	snprintf(cfg.path, sizeof(cfg.path), "%s", path);
	if (shmring_guest_open(&g, &cfg, &traffic_params, why, sizeof(why))) {
		fprintf(stderr, "guest: open: %s\n", why);
		return 1;
	}
	info = shmring_guest_info(g);
	max_frame = shmring_max_frame(info->params.mtu);
	/* The guest's rings exist from the start; DomS comes and goes. */
	if (shmring_prod_init(&p, shmring_guest_base(g), info, 0) ||
	    shmring_cons_init(&c, shmring_guest_base(g), info, 1))
		goto out;
	atomic_store(&sh->guest_ready, 1);

	while (!atomic_load(&sh->stop)) {
		if (++iter % POLL_EVERY == 0) {
			ev = shmring_guest_poll(g, why, sizeof(why));
			if (ev == SHMRING_EV_PEER_UP)
				atomic_fetch_add(&sh->guest_ups, 1);
			else if (ev == SHMRING_EV_PEER_DOWN)
				atomic_fetch_add(&sh->guest_downs, 1);
			else if (ev == SHMRING_EV_PEER_REJECTED)
				atomic_fetch_add(&sh->guest_rejects, 1);
		}
		/* Keep producing whether or not a DomS is there. */
		moved = traffic_tx(&p, &tx_seq, ECHO_BATCH, max_frame,
				   &err) > 0;
		atomic_store(&sh->guest_tx, tx_seq);
		avail = shmring_cons_avail(&c, 1, &err);
		for (i = 0; i < avail;) {
			nd = traffic_rx_copy(&c, i, avail, frame, &len, &err);
			if (nd == 0)
				break;
			seq = traffic_check(frame, len, max_frame);
			if (seq < 0) {
				fprintf(stderr, "guest: corrupted frame after "
					"%" PRId64 " (%u bytes)\n", last, len);
				goto out;
			}
			if (seq <= last || (uint64_t)seq >= tx_seq) {
				fprintf(stderr, "guest: frame %" PRId64 " after "
					"%" PRId64 " (sent up to %" PRIu64 "): "
					"duplicate or invented\n", seq, last,
					tx_seq);
				goto out;
			}
			atomic_fetch_add(&sh->guest_gaps,
					 (uint64_t)(seq - last - 1));
			last = seq;
			atomic_fetch_add(&sh->guest_rx, 1);
			i += nd;
		}
		if (err != SHMRING_OK) {
			fprintf(stderr, "guest: ring rule broken: %s\n",
				shmring_errname(err));
			goto out;
		}
		if (i) {
			shmring_cons_release(&c, i);
			moved = true;
		}
		if (!moved)
			traffic_idle(&idle);
	}
	rc = 0;
out:
	shmring_guest_close(g);
	return rc;
}

/* ----------------------------------------------------------------- DomS */

static int
run_doms(void)
{
	struct shmring_endpoint_cfg cfg = { .transport = SHMRING_TRANSPORT_HOST,
					    .peer_uid = (uint32_t)getuid() };
	static uint8_t frames[ECHO_BATCH][SHMRING_MAX_FRAME];
	uint32_t lens[ECHO_BATCH];
	const struct shmring_region_info *info;
	struct shmring_doms_ep *d;
	struct shmring_prod p;
	struct shmring_cons c;
	char why[SHMRING_WHY_MAX] = "";
	uint64_t mark = tst_now_ns(), iter = 0, floor;
	uint32_t avail, free_slots, i, k, j, nd, nseg, used, max_frame;
	int64_t last = -1, seq;
	unsigned int idle = 0;
	int err = SHMRING_OK, ev, rc = 1;

	snprintf(cfg.path, sizeof(cfg.path), "%s", path);
	if (shmring_doms_open(&d, &cfg, NULL, why, sizeof(why))) {
		fprintf(stderr, "DomS: open: %s\n", why);
		return 1;
	}
	while ((ev = shmring_doms_poll(d, why, sizeof(why))) !=
	       SHMRING_EV_PEER_UP) {
		if (stalled(&mark, false)) {
			fprintf(stderr, "DomS: cannot attach: %s\n", why);
			goto out;
		}
		usleep(ev == SHMRING_EV_PEER_REJECTED ? 10000 : 1000);
	}
	atomic_fetch_add(&sh->doms_attached, 1);
	info = shmring_doms_info(d);
	max_frame = shmring_max_frame(info->params.mtu);
	/* Resume where the shared indices say, after checking them. */
	if (shmring_cons_init(&c, shmring_doms_base(d), info, 0) ||
	    shmring_prod_init(&p, shmring_doms_base(d), info, 1)) {
		fprintf(stderr, "DomS: inconsistent shared indices\n");
		goto out;
	}
	floor = atomic_load(&sh->doms_last);

	for (;;) {
		if (++iter % POLL_EVERY == 0 &&
		    shmring_doms_poll(d, why, sizeof(why)) ==
		    SHMRING_EV_PEER_DOWN)
			break;	/* the guest closed: the test is over */
		free_slots = shmring_prod_free(&p, p.size, &err);
		avail = shmring_cons_avail(&c, 1, &err);
		i = 0;
		k = 0;
		used = 0;
		/* Copy whole frames out while their echo will fit. */
		while (k < ECHO_BATCH && i < avail) {
			nd = traffic_rx_copy(&c, i, avail, frames[k], &lens[k],
					     &err);
			if (nd == 0)
				break;
			nseg = (lens[k] + p.slot_size - 1) / p.slot_size;
			if (used + nseg > free_slots)
				break;	/* not consumed: read again later */
			seq = traffic_check(frames[k], lens[k], max_frame);
			if (seq < 0 || seq <= last || (uint64_t)seq < floor) {
				fprintf(stderr, "DomS: frame %" PRId64 " after "
					"%" PRId64 " (earlier DomS reached %"
					PRIu64 "): corrupted or duplicate\n",
					seq, last, floor);
				goto out;
			}
			last = seq;
			used += nseg;
			i += nd;
			k++;
		}
		if (err != SHMRING_OK) {
			fprintf(stderr, "DomS: ring rule broken: %s\n",
				shmring_errname(err));
			goto out;
		}
		if (k == 0) {
			traffic_idle(&idle);
			continue;
		}
		/*
		 * The frames are in private memory: give their slots back,
		 * then publish the echoes.  A kill between the two loses
		 * these k frames and never duplicates them.
		 */
		shmring_cons_release(&c, i);
		atomic_store(&sh->doms_last, (uint64_t)last + 1);
		used = 0;
		for (j = 0; j < k; j++)
			if (!traffic_tx_copy(&p, frames[j], lens[j], &used,
					     free_slots)) {
				fprintf(stderr, "DomS: echo did not fit\n");
				goto out;
			}
		shmring_prod_commit(&p, used);
	}
	rc = 0;
out:
	shmring_doms_close(d);
	return rc;
}

/* ---------------------------------------------------------- orchestrator */

static pid_t
spawn(int (*fn)(void))
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		traffic_child_setup();
		_exit(fn());
	}
	if (pid < 0)
		abort();
	return pid;
}

/* Exit status of 'pid' within STALL_S seconds, or kill it and say 255. */
static int
reap(pid_t pid)
{
	uint64_t end = tst_now_ns() + STALL_S * 1000000000ull;
	int st;

	do {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) :
				128 + WTERMSIG(st);
		usleep(1000);
	} while (tst_now_ns() < end);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return 255;
}

static bool
alive(pid_t pid)
{
	int st;

	return waitpid(pid, &st, WNOHANG) == 0;
}

/* Wait until *v >= want while traffic makes progress. */
static bool
wait_for(_Atomic uint64_t *v, uint64_t want, pid_t guest, pid_t doms,
	 const char *what)
{
	uint64_t mark = tst_now_ns(), seen = atomic_load(v), now;

	while ((now = atomic_load(v)) < want) {
		if (!alive(guest)) {
			TST_FAIL("guest died while waiting for %s", what);
			return false;
		}
		if (!alive(doms)) {
			TST_FAIL("DomS died by itself while waiting for %s",
				 what);
			return false;
		}
		if (stalled(&mark, now != seen)) {
			TST_FAIL("no progress for %d s waiting for %s "
				 "(%" PRIu64 " of %" PRIu64 ")", STALL_S, what,
				 now, want);
			return false;
		}
		seen = now;
		usleep(1000);
	}
	return true;
}

static bool
wait_for32(_Atomic uint32_t *v, uint32_t want, const char *what)
{
	uint64_t end = tst_now_ns() + STALL_S * 1000000000ull;

	while (atomic_load(v) < want) {
		if (tst_now_ns() > end) {
			TST_FAIL("waited %d s for %s", STALL_S, what);
			return false;
		}
		usleep(1000);
	}
	return true;
}

static void
reset_shared(void)
{
	memset(sh, 0, sizeof(*sh));
}

static void
test_kill_doms(void)
{
	uint64_t target, before;
	pid_t guest, doms = -1;
	unsigned int seed = (unsigned int)(tst_now_ns() ^ (uint64_t)getpid());
	int k, st;

	srand(seed);
	printf("# seed %u\n", seed);
	reset_shared();
	guest = spawn(run_guest);
	if (!wait_for32(&sh->guest_ready, 1,
			"the guest to listen"))
		goto out;
	for (k = 0; k <= KILLS; k++) {
		doms = spawn(run_doms);
		if (!wait_for32(&sh->doms_attached, (uint32_t)k + 1,
				"DomS to attach"))
			goto out;
		/* Traffic must flow through this DomS, then it dies. */
		target = atomic_load(&sh->guest_rx) + STAGE_MIN +
			 (uint64_t)rand() % STAGE_RAND;
		if (!wait_for(&sh->guest_rx, target, guest, doms, "echoes"))
			goto out;
		if (k == KILLS)
			break;
		usleep((useconds_t)(rand() % 3000));	/* a random moment */
		before = atomic_load(&sh->guest_rx);
		kill(doms, SIGKILL);
		waitpid(doms, &st, 0);
		doms = -1;
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		CHECK(alive(guest));
		if (!wait_for32(&sh->guest_downs, (uint32_t)k + 1,
				"the guest to see DomS go"))
			goto out;
		printf("# kill %d after %" PRIu64 " echoes\n", k + 1, before);
	}
	CHECK(alive(guest));
	atomic_store(&sh->stop, 1);
	st = reap(guest);
	if (st != 0)
		TST_FAIL("guest exited with %d", st);
	/* The last DomS sees the guest go and leaves cleanly. */
	st = reap(doms);
	doms = -1;
	if (st != 0)
		TST_FAIL("last DomS exited with %d", st);

	printf("# echoed %" PRIu64 " of %" PRIu64 " frames, %" PRIu64
	       " lost over %d kills; guest saw %u up, %u down, %u refused\n",
	       atomic_load(&sh->guest_rx), atomic_load(&sh->guest_tx),
	       atomic_load(&sh->guest_gaps), KILLS,
	       atomic_load(&sh->guest_ups), atomic_load(&sh->guest_downs),
	       atomic_load(&sh->guest_rejects));
	CHECK(atomic_load(&sh->guest_gaps) <= (uint64_t)KILLS * ECHO_BATCH);
	CHECK_EQ(atomic_load(&sh->doms_attached), KILLS + 1);
	/* Each DomS attached once: the guest saw each come and go. */
	CHECK_EQ(atomic_load(&sh->guest_ups), KILLS + 1);
	CHECK(atomic_load(&sh->guest_downs) >= KILLS);
	return;
out:
	if (doms > 0) {
		kill(doms, SIGKILL);
		waitpid(doms, &st, 0);
	}
	atomic_store(&sh->stop, 1);
	if (reap(guest) != 0)
		TST_FAIL("guest failed, see above");
}

/*
 * DomS processes killed at random moments from their start: before they
 * connect, during the handshake, or just after it.  The guest must shrug
 * all of it off and serve the next DomS normally.
 */
static void
test_kill_during_attach(void)
{
	unsigned int seed = (unsigned int)(tst_now_ns() ^ (uint64_t)getpid());
	pid_t guest, doms = -1;
	uint64_t target;
	int k, st;

	srand(seed);
	printf("# seed %u\n", seed);
	reset_shared();
	guest = spawn(run_guest);
	if (!wait_for32(&sh->guest_ready, 1, "the guest to listen"))
		goto out;
	for (k = 0; k < EARLY_KILLS; k++) {
		doms = spawn(run_doms);
		/* Half the time early (connect, handshake), else later. */
		usleep((useconds_t)(rand() % (k % 2 ? 800 : 5000)));
		kill(doms, SIGKILL);
		waitpid(doms, &st, 0);
		doms = -1;
		CHECK(alive(guest));
	}
	printf("# %d DomS killed early; %u got attached\n", EARLY_KILLS,
	       atomic_load(&sh->doms_attached));
	/* The next one works as if nothing happened. */
	k = (int)atomic_load(&sh->doms_attached);
	doms = spawn(run_doms);
	if (!wait_for32(&sh->doms_attached, (uint32_t)k + 1,
			"DomS to attach after the early kills"))
		goto out;
	target = atomic_load(&sh->guest_rx) + STAGE_MIN;
	if (!wait_for(&sh->guest_rx, target, guest, doms, "echoes"))
		goto out;
	atomic_store(&sh->stop, 1);
	st = reap(guest);
	if (st != 0)
		TST_FAIL("guest exited with %d", st);
	st = reap(doms);
	doms = -1;
	if (st != 0)
		TST_FAIL("last DomS exited with %d", st);
	printf("# echoed %" PRIu64 ", %" PRIu64 " lost; guest saw %u up, "
	       "%u down, %u refused\n", atomic_load(&sh->guest_rx),
	       atomic_load(&sh->guest_gaps), atomic_load(&sh->guest_ups),
	       atomic_load(&sh->guest_downs),
	       atomic_load(&sh->guest_rejects));
	CHECK(atomic_load(&sh->guest_gaps) <=
	      (uint64_t)atomic_load(&sh->doms_attached) * ECHO_BATCH);
	return;
out:
	if (doms > 0) {
		kill(doms, SIGKILL);
		waitpid(doms, &st, 0);
	}
	atomic_store(&sh->stop, 1);
	if (reap(guest) != 0)
		TST_FAIL("guest failed, see above");
}

int
main(void)
{
	char dir[64];

	tst_watchdog(290);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	memset(sh, 0, sizeof(*sh));
	snprintf(dir, sizeof(dir), "/tmp/shmring-restart-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/guest.sock", dir);
	tst_run("DomS SIGKILLed mid-traffic, a new one takes over",
		test_kill_doms);
	tst_run("DomS SIGKILLed around attach, the guest carries on",
		test_kill_during_attach);
	rmdir(dir);
	return tst_done();
}
