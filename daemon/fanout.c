/*
 * fanout.c: events held until their commit, then handed on in order (fanout.h). The held
 * events are those of the last few milliseconds: the store commits every 50 ms.
 * Layer: part
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fanout.h"
#include "queue.h"
#include "timestamp.h"
#include "xmalloc.h"

struct fanout_held {
	int64_t id;
	int64_t search_id;
	cJSON *ev;
	STAILQ_ENTRY(fanout_held) entry;
};

struct fanout {
	struct fanout_cb cb;
	int64_t last;			/* id of the newest event recorded */
	int64_t committed;		/* id of the newest event committed */
	int64_t unheld;			/* id of the newest event not held (nobody wanted it) */
	STAILQ_HEAD(, fanout_held) held;
};

/* A fan-out handing committed events to cb; last: the id of the last event committed before. */
struct fanout *
fanout_new(const struct fanout_cb *cb, int64_t last)
{
	struct fanout *f = xcalloc(1, sizeof *f);

	f->cb = *cb;
	f->last = f->committed = last;
	STAILQ_INIT(&f->held);
	return f;
}

/* Drop the held events. */
static void
fanout_drop(struct fanout *f)
{
	struct fanout_held *h;

	while ((h = STAILQ_FIRST(&f->held)) != NULL) {
		STAILQ_REMOVE_HEAD(&f->held, entry);
		cJSON_Delete(h->ev);
		free(h);
	}
}

/* Free the fan-out and what it holds. */
void
fanout_free(struct fanout *f)
{
	if (f == NULL)
		return;
	fanout_drop(f);
	free(f);
}

/* An event just recorded (id) in the store, at time (ms): hold it until the commit. */
void
fanout_add(struct fanout *f, int64_t id, int64_t search_id, int64_t trial_id,
    const char *kind, int64_t time, const cJSON *data)
{
	struct fanout_held *h;
	const cJSON *item;
	char when[TIMESTAMP_LEN];

	f->last = id;
	if (!f->cb.wanted(f->cb.arg)) {
		f->unheld = id;
		return;
	}
	h = xmalloc(sizeof *h);
	h->id = id;
	h->search_id = search_id;
	h->ev = cJSON_CreateObject();
	cJSON_AddStringToObject(h->ev, "event", kind);
	cJSON_AddNumberToObject(h->ev, "id", (double)id);
	cJSON_AddNumberToObject(h->ev, "search", (double)search_id);
	if (trial_id != 0)
		cJSON_AddNumberToObject(h->ev, "trial", (double)trial_id);
	timestamp_format(time, when, sizeof when);
	cJSON_AddStringToObject(h->ev, "time", when);
	cJSON_ArrayForEach(item, data)
		cJSON_AddItemToObject(h->ev, item->string, cJSON_Duplicate(item, 1));
	STAILQ_INSERT_TAIL(&f->held, h, entry);
}

/* The store committed everything recorded: hand the held events on, in order. */
void
fanout_commit(struct fanout *f)
{
	struct fanout_held *h;

	f->committed = f->last;
	while ((h = STAILQ_FIRST(&f->held)) != NULL) {
		STAILQ_REMOVE_HEAD(&f->held, entry);
		f->cb.event(f->cb.arg, h->id, h->search_id, h->ev);
		cJSON_Delete(h->ev);
		free(h);
	}
	f->cb.committed(f->cb.arg, f->committed);
}

/* The store rolled back what was not committed: those events never happened. */
void
fanout_rollback(struct fanout *f)
{
	fanout_drop(f);
	f->last = f->committed;
	if (f->unheld > f->committed)
		f->unheld = f->committed;
}

/* The id of the newest event recorded. */
int64_t
fanout_last(const struct fanout *f)
{
	return f->last;
}

/* The id of the newest event committed. */
int64_t
fanout_committed(const struct fanout *f)
{
	return f->committed;
}

/*
 * The id of the newest event not held (nobody wanted it then): until it is committed, a new
 * watcher cannot go live, it reads that far from the store after the commit.
 */
int64_t
fanout_unheld(const struct fanout *f)
{
	return f->unheld;
}
