/*
 * Unit tests for server/spill.c: which --prefork workers take new
 * connections. Worker 0 always; worker k only after SPILL_JOIN_CHECKS (4)
 * looks in a row with connections waiting while worker k-1 accepts, or at
 * once while worker k-1 is full or not running; it leaves after
 * SPILL_LEAVE_CHECKS (10) looks in a row with none waiting. No sockets:
 * the board is the shared page itself, the looks are calls.
 */
#include "config.h"

#include <sys/wait.h>
#include <unistd.h>

#include "sockwebd.h"
#include "tap.h"

/* Worker w's decision after `looks` looks that all saw `waiting`. */
static bool
after(struct spill *s, unsigned w, bool waiting, bool accepting,
    unsigned looks, unsigned *count)
{
	for (unsigned i = 0; i < looks; i++)
		accepting = spill_should_accept(s, w, waiting, accepting, count);
	return accepting;
}

/* A board of n seats on which worker 0 runs and accepts. */
static void
board_open(struct spill *s, unsigned n)
{
	spill_open(s, n);
	spill_publish(s, 0, true, false);
}

static void
test_first_worker(void)
{
	struct spill s;
	unsigned n = 0;

	ok(spill_open(&s, 2) == 0, "a board for 2 workers");
	ok(spill_should_accept(&s, 0, false, false, &n),
	    "worker 0 takes new connections, whatever the board says");
	spill_close(&s);
}

static void
test_join_and_leave(void)
{
	struct spill s;
	unsigned n = 0;
	bool acc;

	spill_open(&s, 2);
	/* Before worker 0 has said anything its seat is empty: full. */
	ok(spill_should_accept(&s, 1, false, false, &n),
	    "worker 0 not running yet: worker 1 stands in");
	spill_publish(&s, 0, true, false);
	n = 0;
	acc = after(&s, 1, false, true, 9, &n);
	ok(acc, "worker 0 accepts, queue empty 9 looks: worker 1 still in");
	acc = after(&s, 1, false, acc, 1, &n);
	ok(!acc, "... the 10th empty look: worker 1 leaves");
	acc = after(&s, 1, true, acc, 3, &n);
	ok(!acc, "connections waiting at 3 looks: not yet");
	acc = after(&s, 1, true, acc, 1, &n);
	ok(acc, "... at the 4th look in a row: worker 1 joins");
	spill_close(&s);
}

static void
test_streaks_reset(void)
{
	struct spill s;
	unsigned n = 0;
	bool acc;

	board_open(&s, 2);
	acc = after(&s, 1, true, false, 3, &n);
	acc = after(&s, 1, false, acc, 1, &n);
	acc = after(&s, 1, true, acc, 3, &n);
	ok(!acc, "3 waiting, 1 empty, 3 waiting: no 4 in a row, no join");
	acc = after(&s, 1, true, acc, 1, &n);
	ok(acc, "one more waiting look: 4 in a row, join");
	spill_close(&s);
}

static void
test_full_and_chain(void)
{
	struct spill s;
	unsigned n = 0;

	board_open(&s, 3);
	spill_publish(&s, 0, true, true);
	ok(spill_should_accept(&s, 1, false, false, &n),
	    "worker 0 full (limit, EMFILE, stopping): worker 1 takes them at once");
	spill_publish(&s, 0, true, false);
	spill_publish(&s, 1, false, false);
	ok(!spill_should_accept(&s, 2, true, false, &n),
	    "worker 1 does not accept: worker 2 waits its turn, queue or not");
	spill_vacate(&s, 1);
	ok(spill_should_accept(&s, 2, false, false, &n),
	    "worker 1 died (seat vacated): worker 2 stands in at once");
	spill_close(&s);
}

static void
test_shared_after_fork(void)
{
	struct spill s;
	unsigned n = 0;
	pid_t pid;
	int status = -1;

	board_open(&s, 2);
	if ((pid = fork()) == 0) {
		spill_publish(&s, 0, true, true);	/* the "worker" says: full */
		_exit(0);
	}
	waitpid(pid, &status, 0);
	ok(status == 0 && spill_should_accept(&s, 1, false, false, &n),
	    "the board is shared: a child's slot is seen by its siblings");
	spill_close(&s);
}

int
main(void)
{
	test_first_worker();
	test_join_and_leave();
	test_streaks_reset();
	test_full_and_chain();
	test_shared_after_fork();
	return tap_done();
}
