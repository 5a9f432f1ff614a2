/*
 * spill.c: --prefork N, which workers take new connections. Workers fill
 * up in order: worker 0 always accepts; worker w > 0 puts the listeners
 * in its epoll set only while connections wait for worker w - 1 (it
 * accepts, yet the accept queue was not empty at SPILL_JOIN_CHECKS looks
 * in a row, SPILL_CHECK_MS apart), or while worker w - 1 is full (near its
 * connection limit, out of descriptors, or not running). It leaves them
 * again once the queue was empty at SPILL_LEAVE_CHECKS looks in a row.
 *
 * Why not let every worker accept (EPOLLEXCLUSIVE alone)? A busy worker
 * is not waiting in epoll_wait, so the kernel wakes an idle one for the
 * next connection: the load is spread over all the workers, each of them
 * sleeps and wakes for every few requests, and on a machine whose cores
 * are shared with the clients the wake-ups cost more than the requests
 * (measured with 32 keep-alive clients on 2 cores: 62 000 context
 * switches for 150 000 requests, 14 us of CPU a request; one worker
 * serving them all: 11 us and a few hundred switches). A worker that
 * keeps finding work batches many ready connections per epoll_wait, as
 * h2o's and lighttpd's busy thread does. What says that one worker is
 * not enough is the accept queue: connections that have sent their
 * request and wait for it (TCP_INFO of a listener: tcpi_unacked). The
 * cost: a connection stays with the worker that took it (as in nginx,
 * h2o and lighttpd).
 *
 * The board is one shared page the master maps before it forks the
 * workers; each worker writes only its own slot, with relaxed atomic
 * stores (a stale value only delays a decision by one look).
 */
#include "config.h"

#include <stdatomic.h>
#include <sys/mman.h>

#include "sockwebd.h"

#define SPILL_JOIN_CHECKS	4	/* looks with connections waiting: join */
#define SPILL_LEAVE_CHECKS	10	/* looks with none: leave them again */

/* One cache line each: a worker's stores do not disturb its neighbour. */
struct spill_slot {
	_Alignas(64) _Atomic int accepting;	/* its listeners are watched */
	_Atomic int	full;		/* cannot take more: the next must */
};

int
spill_open(struct spill *s, unsigned n)
{
	size_t len = n * sizeof(struct spill_slot);

	s->slot = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s->slot == MAP_FAILED) {
		log_warn("mmap workers' board");
		s->slot = NULL;
		return -1;
	}
	s->n = n;
	for (unsigned w = 0; w < n; w++)
		spill_vacate(s, w);
	return 0;
}

void
spill_close(struct spill *s)
{
	if (s->slot != NULL)
		munmap(s->slot, s->n * sizeof(struct spill_slot));
	s->slot = NULL;
}

/* Worker w is not running (yet, or any more): the next one stands in. */
void
spill_vacate(struct spill *s, unsigned w)
{
	atomic_store_explicit(&s->slot[w].accepting, 0, memory_order_relaxed);
	atomic_store_explicit(&s->slot[w].full, 1, memory_order_relaxed);
}

/* What worker w does now: takes new connections; can take more. */
void
spill_publish(struct spill *s, unsigned w, bool accepting, bool full)
{
	struct spill_slot *me = &s->slot[w];

	/* Store only a change: the line stays shared with the reader. */
	if (atomic_load_explicit(&me->accepting, memory_order_relaxed) !=
	    accepting)
		atomic_store_explicit(&me->accepting, accepting,
		    memory_order_relaxed);
	if (atomic_load_explicit(&me->full, memory_order_relaxed) != full)
		atomic_store_explicit(&me->full, full, memory_order_relaxed);
}

/*
 * Should worker w watch the listeners now? queue_waiting: connections
 * were in the accept queue at this look; accepting: w watches them now;
 * looks: w's count of looks in a row that agree.
 */
bool
spill_should_accept(const struct spill *s, unsigned w, bool queue_waiting,
    bool accepting, unsigned *looks)
{
	const struct spill_slot *p;

	if (w == 0)
		return true;
	p = &s->slot[w - 1];
	if (atomic_load_explicit(&p->full, memory_order_relaxed)) {
		*looks = 0;
		return true;
	}
	if (!atomic_load_explicit(&p->accepting, memory_order_relaxed)) {
		*looks = 0;
		return false;
	}
	/* Count the looks that argue for a change; any other resets. */
	if (queue_waiting != accepting)
		(*looks)++;
	else
		*looks = 0;
	if (!accepting && *looks >= SPILL_JOIN_CHECKS) {
		*looks = 0;
		return true;
	}
	if (accepting && *looks >= SPILL_LEAVE_CHECKS) {
		*looks = 0;
		return false;
	}
	return accepting;
}
