/*
 * Unit tests for server/spares.c: finished objects kept for reuse. A new
 * one is zeroed when asked, a kept one comes back as it was left, in
 * last-in first-out order, and no more than SPARES_MAX are kept.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sockwebd.h"
#include "tap.h"

struct thing {
	int	n;
	char	text[100];
};

static void
test_new_and_reuse(void)
{
	struct spares s;
	struct thing *a, *b;

	spares_init(&s, sizeof(struct thing), true, "thing");
	a = spares_take(&s);
	ok(a != NULL && a->n == 0 && a->text[99] == '\0',
	    "a new object, zeroed (calloc)");
	a->n = 7;
	strcpy(a->text, "kept");
	ok(spares_keep(&s, a), "a finished one is kept");
	b = spares_take(&s);
	ok(b == a && b->n == 7 && strcmp(b->text, "kept") == 0,
	    "taken again: the same object, as it was left");
	ok(spares_pop(&s) == NULL, "no spare left to pop");
	free(b);
}

static void
test_bounded(void)
{
	struct spares s;
	void *p[SPARES_MAX + 1], *q;
	unsigned i, kept = 0;

	spares_init(&s, 64, false, "block");
	for (i = 0; i <= SPARES_MAX; i++)
		p[i] = spares_take(&s);
	for (i = 0; i <= SPARES_MAX; i++) {
		if (spares_keep(&s, p[i]))
			kept++;
		else
			free(p[i]);	/* the caller frees what is not kept */
	}
	is_int(kept, SPARES_MAX, "at most SPARES_MAX kept, the next refused");
	ok(spares_take(&s) == p[SPARES_MAX - 1],
	    "the last kept comes back first");
	free(p[SPARES_MAX - 1]);
	kept = 0;
	while ((q = spares_pop(&s)) != NULL) {
		free(q);
		kept++;
	}
	is_int(kept, SPARES_MAX - 1, "pop returns every other spare once");
}

int
main(void)
{
	test_new_and_reuse();
	test_bounded();
	return tap_done();
}
