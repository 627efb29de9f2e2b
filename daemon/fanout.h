/*
 * fanout.h: the events a search makes, on their way to whoever watches: each recorded event
 * waits here until the store has committed it, then goes to the callback the owner gave, in
 * order — so nobody hears of anything the database does not show yet. While nobody wants
 * events (no client watches), none is held: a watcher reads those from the store.
 * Layer: part
 */
#ifndef TUNA_FANOUT_H
#define TUNA_FANOUT_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

struct fanout_cb {
	/* a committed event: {"event", "id", "search", ["trial",] "time", …its data} */
	void (*event)(void *arg, int64_t id, int64_t search_id, const cJSON *ev);
	/* every event up to id is committed and was handed to event() */
	void (*committed)(void *arg, int64_t id);
	/* whether anybody wants events now: if not, they are not held */
	bool (*wanted)(void *arg);
	void *arg;
};

struct fanout;

struct fanout *fanout_new(const struct fanout_cb *cb, int64_t last);
void fanout_free(struct fanout *f);
void fanout_add(struct fanout *f, int64_t id, int64_t search_id, int64_t trial_id,
    const char *kind, int64_t time, const cJSON *data);
void fanout_commit(struct fanout *f);
void fanout_rollback(struct fanout *f);
int64_t fanout_last(const struct fanout *f);
int64_t fanout_committed(const struct fanout *f);
int64_t fanout_unheld(const struct fanout *f);

#endif
