/*
 * watch.c: the watch streams of connections. A new watcher first gets the history, read from
 * the store in pages as its socket drains — what is committed — then live events, which the
 * engine hands over once the store has committed them (so a client that reads the database
 * after an event, `tuna tail -f ID && sqlite3 …`, sees what the event says). A watch of one
 * search ends after that search's end; one that does not follow ends at the newest event
 * recorded when it began.
 * Layer: front
 */
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "protocol.h"
#include "watch.h"

#define WATCH_PAGE 500
#define WATCH_MAX_QUEUE (1 << 20)	/* history is paged while the client is this far behind */

/* Stop watching (the stream ended, or the connection is closing). */
void
watch_stop(struct conn *c)
{
	if (!c->watching)
		return;
	c->watching = false;
	c->f->nwatching--;
}

/* Send the end-of-stream marker and stop watching. */
static void
watch_eof(struct conn *c)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "event", "eof");
	watch_stop(c);
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
watch_pump(struct conn *c)
{
	int64_t committed = engine_committed_event(c->f->engine), id;
	char *cause = NULL;
	cJSON *page, *ev;
	bool caught_up;

	while (c->watching && !c->watch_live && !c->closing &&
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) < WATCH_MAX_QUEUE) {
		page = store_event_history(c->f->store, c->watch_search, c->watch_next - 1, WATCH_PAGE,
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
			if (id > committed) {	/* it goes out live, after the commit */
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
			if (c->watch_until <= committed) {
				watch_eof(c);
				return;
			}
			if (engine_unheld_event(c->f->engine) > committed)
				return;	/* not held for anyone: read after their commit */
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
	struct engine *e = c->f->engine;

	c->watching = true;
	c->f->nwatching++;
	c->watch_search = search_id;
	c->watch_live = false;
	c->watch_next = history ? 1 : engine_last_event(e) + 1;
	c->watch_until = follow && (search_id == 0 || engine_running(e, search_id)) ?
	    INT64_MAX : engine_last_event(e);
	watch_pump(c);
}

/* Engine callback: a committed event, for the live watchers that want it. */
void
watch_event(void *arg, int64_t id, int64_t search_id, const cJSON *ev)
{
	struct front *f = arg;
	struct conn *c, *c1;

	TAILQ_FOREACH_SAFE(c, &f->conns, entry, c1) {
		if (!c->watching || !c->watch_live || !watch_wants(c, search_id) ||
		    id < c->watch_next)
			continue;
		c->watch_next = id + 1;
		conn_send(c, cJSON_Duplicate(ev, 1));
		if (watch_ends(c, ev) || id >= c->watch_until)
			watch_eof(c);
	}
}

/*
 * Engine callback: every event up to id is out. A watch that does not follow may be done; one
 * still reading history reads on (what nobody waited for, and was not held, is there now).
 */
void
watch_committed(void *arg, int64_t id)
{
	struct front *f = arg;
	struct conn *c, *c1;

	TAILQ_FOREACH_SAFE(c, &f->conns, entry, c1) {
		if (!c->watching || c->closing)
			continue;
		if (!c->watch_live)
			watch_pump(c);
		else if (c->watch_until <= id)
			watch_eof(c);
	}
}

/* Engine callback: whether any connection watches (events are held for it until committed). */
bool
watch_wanted(void *arg)
{
	const struct front *f = arg;

	return f->nwatching > 0;
}
