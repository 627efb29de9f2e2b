/*
 * suspend.c: the database cannot be written (disk full, read-only file, I/O error). The store
 * is held (what was not committed is rolled back, every write refused), the running trials
 * are stopped, and a timer tries again with backoff. When a write goes through, the searches
 * are forgotten in memory and picked up from the database, exactly as after a restart: every
 * committed row is there and the trials that were running run again (panda from its
 * checkpoint). Meanwhile status, best and watch still answer; submit, cancel and nudge are
 * refused with the cause.
 * Layer: engine
 */
#include <stdlib.h>

#include "log.h"
#include "protocol.h"
#include "search.h"
#include "suspend.h"
#include "trial.h"
#include "xmalloc.h"

#define SUSPEND_FIRST_MS	1000	/* first retry */
#define SUSPEND_MAX_MS		30000	/* retries back off up to this */
#define SUSPEND_WAIT_MS		100	/* trials still being stopped: look again soon */

static void suspend_retry_cb(uv_timer_t *timer);

/* Set up the retry timer (once, at start). */
void
suspend_init(struct engine *e)
{
	uv_timer_init(e->loop, &e->suspend_timer);
	e->suspend_timer.data = e;
	e->suspend_ms = SUSPEND_FIRST_MS;
}

/* The store failed with cause: hold it, stop the running trials, try again later. */
void
suspend_begin(struct engine *e, const char *cause)
{
	if (e->suspended != NULL)
		return;
	e->suspended = xstrdup(cause);
	e->suspensions++;
	if (!e->suspend_since)
		e->suspend_since = uv_now(e->loop);
	store_hold(e->store, cause);
	fanout_rollback(e->fanout);
	log_warn("store: the database cannot be written: %s", cause);
	if (e->stopping)
		return;
	log_warn("searches suspended: %d running trials stopped, to run again once the "
	    "database can be written; next try in %.0f s", e->running, e->suspend_ms / 1000.0);
	trial_kill_all(e, TRIAL_INTERRUPTED);
	uv_timer_start(&e->suspend_timer, suspend_retry_cb, e->suspend_ms, 0);
	e->suspend_ms = e->suspend_ms * 2 > SUSPEND_MAX_MS ? SUSPEND_MAX_MS : e->suspend_ms * 2;
}

/* The reply to a request that must write while suspended (caller frees). */
char *
suspend_refusal(const struct engine *e)
{
	return xasprintf("the database cannot be written (%s): searches are suspended until it "
	    "can; tunad tries again on its own", e->suspended);
}

/* The searches in memory, forgotten: the database is the truth again. */
static void
suspend_forget(struct engine *e)
{
	struct search *s, *s1;

	TAILQ_FOREACH_SAFE(s, &e->searches, entry, s1)
		search_free(s);
}

/* Tell each resumed search's watchers what happened, in the store too (the write probe). */
static void
suspend_announce(struct engine *e, const char *cause, double seconds)
{
	struct search *s, *s1;
	cJSON *ev;

	TAILQ_FOREACH_SAFE(s, &e->searches, entry, s1) {
		ev = cJSON_CreateObject();
		cJSON_AddStringToObject(ev, "error", cause);
		cJSON_AddNumberToObject(ev, "seconds", seconds);
		cJSON_AddStringToObject(ev, "action", "resumed");
		engine_publish(e, s->id, 0, EV_STORAGE, ev);
	}
}

/* Timer: once no trial is left running, try to write again; resume the searches if it works. */
static void
suspend_retry_cb(uv_timer_t *timer)
{
	struct engine *e = timer->data;
	struct search *s;
	char *cause, *err = NULL;
	double seconds;
	int n = 0;

	if (e->stopping)
		return;
	if (e->running > 0) {
		uv_timer_start(timer, suspend_retry_cb, SUSPEND_WAIT_MS, 0);
		return;
	}
	cause = e->suspended;
	e->suspended = NULL;
	seconds = (uv_now(e->loop) - e->suspend_since) / 1000.0;
	store_release(e->store);
	suspend_forget(e);
	engine_resume(e);
	if (e->suspended == NULL)
		suspend_announce(e, cause, seconds);
	if (e->suspended == NULL && engine_commit(e, &err) != 0)
		engine_store_error(e, "commit", err);
	if (e->suspended != NULL) {
		free(cause);	/* still failing: suspend_begin armed the next try */
		return;
	}
	TAILQ_FOREACH(s, &e->searches, entry)
		n++;
	log_info("store: the database can be written again after %.1f s (%s): %d searches "
	    "resumed", seconds, cause, n);
	free(cause);
	e->suspend_since = 0;
	e->suspend_ms = SUSPEND_FIRST_MS;
	search_schedule(e);
}
