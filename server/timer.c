/*
 * timer.c: time-out queues. Every connection waits for one thing at a
 * time (a request, the next keep-alive request, the client to read, the
 * end of lingering), and every wait of one kind lasts as long. So a queue
 * per kind, kept in arming order, is also in deadline order: arming and
 * cancelling are O(1), and the earliest deadline is the queue's head
 * (the "timeout queue" of Varnish and libuv, no heap needed).
 */
#include "config.h"

#include "sockwebd.h"

void
timerq_init(struct timerq *q, long long wait_ms)
{
	q->list.prev = q->list.next = &q->list;
	q->wait_ms = wait_ms;
}

void
timer_cancel(struct timer *t)
{
	if (t->next == NULL)
		return;
	t->prev->next = t->next;
	t->next->prev = t->prev;
	t->prev = t->next = NULL;
}

/* (Re)start t: it expires wait_ms from now, after everything already queued. */
void
timer_arm(struct timerq *q, struct timer *t, long long now_ms)
{
	timer_cancel(t);
	t->deadline_ms = now_ms + q->wait_ms;
	t->prev = q->list.prev;
	t->next = &q->list;
	q->list.prev->next = t;
	q->list.prev = t;
}

/* The earliest timer that has expired, taken off the queue; or NULL. */
struct timer *
timerq_expired(struct timerq *q, long long now_ms)
{
	struct timer *t = q->list.next;

	if (t == &q->list || t->deadline_ms > now_ms)
		return NULL;
	timer_cancel(t);
	return t;
}

/* The earliest deadline of the queue, or -1 when it is empty. */
long long
timerq_next(const struct timerq *q)
{
	return q->list.next == &q->list ? -1 : q->list.next->deadline_ms;
}
