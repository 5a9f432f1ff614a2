/*
 * spares.c: finished objects of one size, kept for the next ones. A
 * process that mallocs and frees a 26 KiB struct request and a 3 KiB
 * struct conn for every connection splits and merges heap chunks, and
 * malloc writes its headers on pages nothing else touches. In fork mode
 * every page the parent writes after a fork is a page fault and a copy,
 * and a child's first malloc sorts the chunks the parent freed (more of
 * them). A reused object stays where it is, with what it owns (a
 * connection keeps its small head buffer). At most SPARES_MAX are kept, so
 * a burst of thousands of connections still gives its memory back.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>

#include "sockwebd.h"

/*
 * zero: new objects come zeroed (calloc), for a type whose reuse keeps
 * some of it; else malloc, and only the pages the user writes become
 * resident (most of a request struct never is).
 */
void
spares_init(struct spares *s, size_t size, bool zero, const char *what)
{
	s->n = 0;
	s->size = size;
	s->zero = zero;
	s->what = what;
}

/* A spare as it was left, or a new one; NULL when out of memory. */
void *
spares_take(struct spares *s)
{
	void *p;

	if (s->n > 0)
		return s->item[--s->n];
	if ((p = s->zero ? calloc(1, s->size) : malloc(s->size)) == NULL)
		log_warn("%s %s", s->zero ? "calloc" : "malloc", s->what);
	return p;
}

/* Keep p for reuse; false when enough are kept (the caller frees p). */
bool
spares_keep(struct spares *s, void *p)
{
	if (s->n >= SPARES_MAX)
		return false;
	s->item[s->n++] = p;
	return true;
}

/* A spare to free (when the process is done with them), or NULL. */
void *
spares_pop(struct spares *s)
{
	return s->n > 0 ? s->item[--s->n] : NULL;
}
