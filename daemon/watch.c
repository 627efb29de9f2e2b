/*
 * watch.c: events. Each is recorded in the store's events table and sent to the clients
 * watching its search, but only once the store has committed it: a client that reads the
 * database after an event (`tuna tail -f ID && sqlite3 …`) sees what the event says. Until the
 * commit an event waits here; watch_commit commits and sends what waited. A new watcher first
 * gets the history, read from the store in pages as its socket drains (what is committed),
 * then live events. A watch of one search ends after that search's end; one that does not
 * follow ends at the newest event recorded when it began.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "protocol.h"
#include "tunad.h"
#include "xmalloc.h"

#define WATCH_PAGE 500
#define WATCH_MAX_QUEUE (1 << 20)	/* history is paged while the client is this far behind */
#define WATCH_MAX_PENDING 20000		/* rows written before a commit is forced */

/* An event recorded, not yet committed: sent to the live watchers after the commit. */
struct watch_held {
	int64_t id;
	int64_t search_id;
	cJSON *ev;
	STAILQ_ENTRY(watch_held) entry;
};

static STAILQ_HEAD(, watch_held) watch_held = STAILQ_HEAD_INITIALIZER(watch_held);

/* Send the end-of-stream marker and stop watching. */
static void
watch_eof(struct conn *c)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "event", "eof");
	c->watching = false;
	conn_send(c, o);
	conn_done(c);
}

/* Whether an event belongs to what c watches. */
static bool
watch_wants(const struct conn *c, int64_t search_id)
{
	return c->watch_search == 0 || c->watch_search == search_id;
}

/* Whether the event ends c's watch (its search ended). */
static bool
watch_ends(const struct conn *c, const cJSON *ev)
{
	const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "event"));

	return c->watch_search != 0 && kind != NULL && strcmp(kind, EV_SEARCH_END) == 0;
}

/* Send history pages while the client keeps up, up to what is committed; then go live. */
void
conn_pump(struct conn *c)
{
	char *cause = NULL;
	cJSON *page, *ev;
	bool caught_up;
	int64_t id;

	while (c->watching && !c->watch_live && !c->closing &&
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) < WATCH_MAX_QUEUE) {
		page = store_events(tunad.store, c->watch_search, c->watch_next - 1, WATCH_PAGE,
		    &cause);
		if (page == NULL) {
			log_warn("watch: %s", cause);
			free(cause);
			conn_close(c, "cannot read the event history");
			return;
		}
		caught_up = cJSON_GetArraySize(page) < WATCH_PAGE;
		while ((ev = cJSON_DetachItemFromArray(page, 0)) != NULL) {
			id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(ev, "id"));
			if (id > tunad.committed_event) {	/* it goes out live, after the commit */
				cJSON_Delete(ev);
				caught_up = true;
				break;
			}
			c->watch_next = id + 1;
			if (watch_ends(c, ev) || id >= c->watch_until) {
				cJSON_Delete(page);
				conn_send(c, ev);
				watch_eof(c);
				return;
			}
			conn_send(c, ev);
		}
		cJSON_Delete(page);
		if (caught_up) {
			if (c->watch_until <= tunad.committed_event) {
				watch_eof(c);
				return;
			}
			c->watch_live = true;
		}
	}
}

/*
 * Start a watch on c: from the history (or from now), following or not. A search that has
 * ended is not followed: its watch ends with what is recorded.
 */
void
watch_start(struct conn *c, int64_t search_id, bool history, bool follow)
{
	c->watching = true;
	c->watch_search = search_id;
	c->watch_live = false;
	c->watch_next = history ? 1 : tunad.last_event + 1;
	c->watch_until = follow && (search_id == 0 || search_find(search_id) != NULL) ?
	    INT64_MAX : tunad.last_event;
	conn_pump(c);
}

/* Now, as the store writes times: UTC "YYYY-MM-DD HH:MM:SS.mmm". */
static void
watch_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char sec[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(sec, sizeof sec, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf, len, "%.24s.%03d", sec, (int)(ts.tv_nsec / 1000000) % 1000);
}

/* Send a committed event to the live watchers that want it; end the watches it ends. */
static void
watch_send(const struct watch_held *h)
{
	struct conn *c, *c1;

	TAILQ_FOREACH_SAFE(c, &tunad.conns, entry, c1) {
		if (!c->watching || !c->watch_live || !watch_wants(c, h->search_id) ||
		    h->id < c->watch_next)
			continue;
		c->watch_next = h->id + 1;
		conn_send(c, cJSON_Duplicate(h->ev, 1));
		if (watch_ends(c, h->ev) || h->id >= c->watch_until)
			watch_eof(c);
	}
}

/*
 * Commit the store, then send the events the commit made durable, in order; a watch that
 * does not follow and was waiting for them ends.
 */
int
watch_commit(char **cause)
{
	struct watch_held *h;
	struct conn *c, *c1;
	int rc;

	if ((rc = store_flush(tunad.store, cause)) != 0)
		return rc;
	tunad.committed_event = tunad.last_event;
	while ((h = STAILQ_FIRST(&watch_held)) != NULL) {
		STAILQ_REMOVE_HEAD(&watch_held, entry);
		watch_send(h);
		cJSON_Delete(h->ev);
		free(h);
	}
	TAILQ_FOREACH_SAFE(c, &tunad.conns, entry, c1) {
		if (c->watching && c->watch_live && c->watch_until <= tunad.committed_event)
			watch_eof(c);
	}
	return 0;
}

/* What was not committed was rolled back (suspend.c): its events are never sent. */
void
watch_rollback(void)
{
	struct watch_held *h;

	while ((h = STAILQ_FIRST(&watch_held)) != NULL) {
		STAILQ_REMOVE_HEAD(&watch_held, entry);
		cJSON_Delete(h->ev);
		free(h);
	}
	tunad.last_event = tunad.committed_event;
}

/* Record an event (takes data); it is sent to its watchers once committed. */
void
watch_publish(int64_t search_id, int64_t trial_id, const char *kind, cJSON *data)
{
	struct watch_held *h;
	char *cause = NULL, now[40];
	int64_t id = 0;
	cJSON *item;

	if (store_event_add(tunad.store, &id, search_id, trial_id, kind, data, &cause) != 0) {
		tunad_store_error("add event", cause);
		cJSON_Delete(data);
		return;
	}
	tunad.last_event = id;
	h = xmalloc(sizeof *h);
	h->id = id;
	h->search_id = search_id;
	h->ev = cJSON_CreateObject();
	cJSON_AddStringToObject(h->ev, "event", kind);
	cJSON_AddNumberToObject(h->ev, "id", (double)id);
	cJSON_AddNumberToObject(h->ev, "search", (double)search_id);
	if (trial_id != 0)
		cJSON_AddNumberToObject(h->ev, "trial", (double)trial_id);
	watch_now(now, sizeof now);
	cJSON_AddStringToObject(h->ev, "time", now);
	cJSON_ArrayForEach(item, data)
		cJSON_AddItemToObject(h->ev, item->string, cJSON_Duplicate(item, 1));
	cJSON_Delete(data);
	STAILQ_INSERT_TAIL(&watch_held, h, entry);
	if (store_pending(tunad.store) >= WATCH_MAX_PENDING && watch_commit(&cause) != 0)
		tunad_store_error("commit", cause);
}
