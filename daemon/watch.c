/*
 * watch.c: events. Each is recorded in the store's events table and sent to the clients
 * watching its search. A new watcher first gets the history, read from the store in pages as
 * its socket drains, then live events; a watch of one search ends after that search's end.
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

/* Send the end-of-stream marker and stop watching. */
static void
watch_eof(struct conn *c)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "event", "eof");
	c->watching = false;
	conn_send(c, o);
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

/* Whether a search has ended already (it is no longer being run). */
static bool
watch_search_over(int64_t id)
{
	return id != 0 && search_find(id) == NULL;
}

/* Send history pages while the client keeps up; then go live (or end). */
void
conn_pump(struct conn *c)
{
	char *cause = NULL;
	cJSON *page, *ev;
	int n;

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
		n = cJSON_GetArraySize(page);
		while ((ev = cJSON_DetachItemFromArray(page, 0)) != NULL) {
			bool end = watch_ends(c, ev);

			c->watch_next = (int64_t)cJSON_GetNumberValue(
			    cJSON_GetObjectItemCaseSensitive(ev, "id")) + 1;
			conn_send(c, ev);
			if (end) {
				cJSON_Delete(page);
				watch_eof(c);
				return;
			}
		}
		cJSON_Delete(page);
		if (n < WATCH_PAGE) {	/* caught up with the store */
			if (!c->watch_follow || watch_search_over(c->watch_search)) {
				watch_eof(c);
				return;
			}
			c->watch_live = true;
		}
	}
}

/* Start a watch on c: from the history (or from now), following or not. */
void
watch_start(struct conn *c, int64_t search_id, bool history, bool follow)
{
	c->watching = true;
	c->watch_search = search_id;
	c->watch_follow = follow;
	c->watch_live = false;
	c->watch_next = history ? 1 : tunad.last_event + 1;
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

/* Record an event (takes data) and send it to the clients watching its search. */
void
watch_publish(int64_t search_id, int64_t trial_id, const char *kind, cJSON *data)
{
	struct conn *c, *c1;
	char *cause = NULL, now[40] = "";
	int64_t id = 0;
	cJSON *ev, *item;

	if (store_event_add(tunad.store, &id, search_id, trial_id, kind, data, &cause) != 0) {
		tunad_store_error("add event", cause);
		cJSON_Delete(data);
		return;
	}
	tunad.last_event = id;
	if (store_pending(tunad.store) >= 20000 && store_flush(tunad.store, &cause) != 0)
		tunad_store_error("flush", cause);
	TAILQ_FOREACH_SAFE(c, &tunad.conns, entry, c1) {
		if (!c->watching || !c->watch_live || !watch_wants(c, search_id))
			continue;
		ev = cJSON_CreateObject();
		cJSON_AddStringToObject(ev, "event", kind);
		cJSON_AddNumberToObject(ev, "id", (double)id);
		cJSON_AddNumberToObject(ev, "search", (double)search_id);
		if (trial_id != 0)
			cJSON_AddNumberToObject(ev, "trial", (double)trial_id);
		if (now[0] == '\0')
			watch_now(now, sizeof now);
		cJSON_AddStringToObject(ev, "time", now);
		cJSON_ArrayForEach(item, data)
			cJSON_AddItemToObject(ev, item->string, cJSON_Duplicate(item, 1));
		c->watch_next = id + 1;
		if (watch_ends(c, ev)) {
			conn_send(c, ev);
			watch_eof(c);
		} else
			conn_send(c, ev);
	}
	cJSON_Delete(data);
}
