/*
 * suspend.c: the database cannot be written (disk full, read-only file, I/O error). The store
 * is held (what was not committed is rolled back, every write refused), the running trials
 * are stopped, and a timer tries again with backoff. When a write goes through, the searches
 * are forgotten in memory and picked up from the database, exactly as after a restart: every
 * committed row is there and the trials that were running run again (panda from its
 * checkpoint). Meanwhile status, best and watch still answer; submit, cancel and nudge are
 * refused with the cause.
 */
#include <stdlib.h>

#include "log.h"
#include "protocol.h"
#include "tunad.h"
#include "xmalloc.h"

#define SUSPEND_FIRST_MS	1000	/* first retry */
#define SUSPEND_MAX_MS		30000	/* retries back off up to this */
#define SUSPEND_WAIT_MS		100	/* trials still being stopped: look again soon */

static void suspend_retry_cb(uv_timer_t *timer);

/* Set up the retry timer (once, at start). */
void
suspend_init(void)
{
	uv_timer_init(tunad.loop, &tunad.suspend_timer);
	tunad.suspend_ms = SUSPEND_FIRST_MS;
}

/* Close the retry timer (the daemon is stopping). */
void
suspend_close(void)
{
	if (!uv_is_closing((uv_handle_t *)&tunad.suspend_timer))
		uv_close((uv_handle_t *)&tunad.suspend_timer, NULL);
}

/* The store failed with cause: hold it, stop the running trials, try again later. */
void
suspend_begin(const char *cause)
{
	if (tunad.suspended != NULL)
		return;
	tunad.suspended = xstrdup(cause);
	tunad.suspensions++;
	if (!tunad.suspend_since)
		tunad.suspend_since = uv_now(tunad.loop);
	store_hold(tunad.store, cause);
	watch_rollback();
	log_warn("store: the database cannot be written: %s", cause);
	if (tunad.stopping)
		return;
	log_warn("searches suspended: %d running trials stopped, to run again once the "
	    "database can be written; next try in %.0f s", tunad.busy,
	    tunad.suspend_ms / 1000.0);
	pool_kill_all();
	uv_timer_start(&tunad.suspend_timer, suspend_retry_cb, tunad.suspend_ms, 0);
	tunad.suspend_ms = tunad.suspend_ms * 2 > SUSPEND_MAX_MS ? SUSPEND_MAX_MS :
	    tunad.suspend_ms * 2;
}

/* The reply to a request that must write while suspended (caller frees). */
char *
suspend_refusal(void)
{
	return xasprintf("the database cannot be written (%s): searches are suspended until it "
	    "can; tunad tries again on its own", tunad.suspended);
}

/* The searches in memory, forgotten: the database is the truth again. */
static void
suspend_forget(void)
{
	struct search *s, *s1;

	TAILQ_FOREACH_SAFE(s, &tunad.searches, entry, s1)
		search_free(s);
}

/* Tell each resumed search's watchers what happened, in the store too (the write probe). */
static void
suspend_announce(const char *cause, double seconds)
{
	struct search *s, *s1;
	cJSON *ev;

	TAILQ_FOREACH_SAFE(s, &tunad.searches, entry, s1) {
		ev = cJSON_CreateObject();
		cJSON_AddStringToObject(ev, "error", cause);
		cJSON_AddNumberToObject(ev, "seconds", seconds);
		cJSON_AddStringToObject(ev, "action", "resumed");
		watch_publish(s->id, 0, EV_STORAGE, ev);
	}
}

/* Timer: once no trial is left running, try to write again; resume the searches if it works. */
static void
suspend_retry_cb(uv_timer_t *timer)
{
	struct search *s;
	char *cause, *err = NULL;
	double seconds;
	int n = 0;

	if (tunad.stopping)
		return;
	if (tunad.busy > 0) {
		uv_timer_start(timer, suspend_retry_cb, SUSPEND_WAIT_MS, 0);
		return;
	}
	cause = tunad.suspended;
	tunad.suspended = NULL;
	seconds = (uv_now(tunad.loop) - tunad.suspend_since) / 1000.0;
	store_release(tunad.store);
	suspend_forget();
	tunad_resume();
	if (tunad.suspended == NULL)
		suspend_announce(cause, seconds);
	if (tunad.suspended == NULL && watch_commit(&err) != 0)
		tunad_store_error("commit", err);
	if (tunad.suspended != NULL) {
		free(cause);	/* still failing: suspend_begin armed the next try */
		return;
	}
	TAILQ_FOREACH(s, &tunad.searches, entry)
		n++;
	log_info("store: the database can be written again after %.1f s (%s): %d searches "
	    "resumed", seconds, cause, n);
	free(cause);
	tunad.suspend_since = 0;
	tunad.suspend_ms = SUSPEND_FIRST_MS;
	search_schedule();
}
