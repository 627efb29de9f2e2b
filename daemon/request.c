/*
 * request.c: one request line from a client, dispatched by its "type" through a table. Every
 * field is checked for type and range before use; every error is a reply naming what is wrong.
 * What a request asks of the searches, the engine does.
 * Layer: front
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "hparams.h"
#include "jcheck.h"
#include "log.h"
#include "protocol.h"
#include "request.h"
#include "watch.h"
#include "xmalloc.h"

struct request {
	struct conn *c;
	cJSON *json;
	const cJSON *id;
};

struct request_type {
	const char *name;
	void (*fn)(struct request *);
};

static void request_hello(struct request *);
static void request_submit(struct request *);
static void request_status(struct request *);
static void request_best(struct request *);
static void request_cancel(struct request *);
static void request_watch(struct request *);
static void request_nudge(struct request *);
static void request_shutdown(struct request *);

static const struct request_type request_types[] = {
	{ REQ_HELLO, request_hello },
	{ REQ_SUBMIT, request_submit },
	{ REQ_STATUS, request_status },
	{ REQ_BEST, request_best },
	{ REQ_CANCEL, request_cancel },
	{ REQ_WATCH, request_watch },
	{ REQ_NUDGE, request_nudge },
	{ REQ_SHUTDOWN, request_shutdown },
};

/* A reply {"ok":true,"id":…} to fill in. */
static cJSON *
request_ok(const struct request *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "ok", true);
	if (r->id != NULL)
		cJSON_AddItemToObject(o, "id", cJSON_Duplicate(r->id, 1));
	return o;
}

/*
 * An optional integer member in [min, max]: 1 if present (in *out), 0 if absent, −1 after
 * replying with an error.
 */
static int
request_int(struct request *r, const char *key, double min, double max, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->json, key);
	char *cause = NULL;
	double d = 0;

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (jcheck_int(r->json, NULL, key, min, max, &d, &cause) != 0) {
		conn_reply_error(r->c, r->id, "%s", cause);
		free(cause);
		return -1;
	}
	*out = (int64_t)d;
	return 1;
}

/* An optional boolean member: 1/0 in *out, or −1 after replying with an error. */
static int
request_bool(struct request *r, const char *key, bool *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->json, key);

	if (v == NULL)
		return 0;
	if (!cJSON_IsBool(v)) {
		conn_reply_error(r->c, r->id, "%s: must be true or false", key);
		return -1;
	}
	*out = cJSON_IsTrue(v);
	return 1;
}

/* Refuse a request that must write while the database cannot be written. */
static int
request_writable(struct request *r)
{
	char *msg;

	if (engine_suspended(r->c->f->engine) == NULL)
		return 0;
	msg = engine_refusal(r->c->f->engine);
	conn_reply_error(r->c, r->id, "%s", msg);
	free(msg);
	return -1;
}

/* Refuse members a request type does not know. */
static int
request_keys(struct request *r, const char *const *allowed)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, r->json) {
		if (strcmp(item->string, "type") == 0 || strcmp(item->string, "id") == 0)
			continue;
		if (!jcheck_in_list(allowed, item->string)) {
			conn_reply_error(r->c, r->id, "%s: unknown member of a %s request",
			    item->string, cJSON_GetObjectItemCaseSensitive(r->json,
			    "type")->valuestring);
			return -1;
		}
	}
	return 0;
}

/* hello: the protocol version and the daemon's pid. */
static void
request_hello(struct request *r)
{
	static const char *keys[] = { "version", NULL };
	cJSON *o;

	if (request_keys(r, keys) != 0)
		return;
	o = request_ok(r);
	cJSON_AddNumberToObject(o, "version", PROTOCOL_VERSION);
	cJSON_AddNumberToObject(o, "pid", getpid());
	conn_send(r->c, o);
}

/* A submit waiting for the engine's answer. */
struct request_submit {
	struct conn *c;
	cJSON *id;
};

/* The engine's answer to a submit: the search's id, or why there is none. */
static void
request_submit_done(void *arg, int64_t search, const char *error)
{
	struct request_submit *rs = arg;
	cJSON *o;

	if (error != NULL)
		conn_reply_error(rs->c, rs->id, "%s", error);
	else {
		o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "ok", true);
		if (rs->id != NULL)
			cJSON_AddItemToObject(o, "id", cJSON_Duplicate(rs->id, 1));
		cJSON_AddNumberToObject(o, "search", (double)search);
		conn_send(rs->c, o);
	}
	cJSON_Delete(rs->id);
	conn_end(rs->c);
	free(rs);
}

/* submit: check the spec now; the engine checks its data set, then starts the search. */
static void
request_submit(struct request *r)
{
	static const char *keys[] = { "spec", NULL };
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(r->json, "spec");
	struct front *f = r->c->f;
	struct request_submit *rs;
	struct spec parsed;
	cJSON *with = NULL;
	char *cause = NULL;
	int rc;

	if (request_keys(r, keys) != 0)
		return;
	if (spec == NULL) {
		conn_reply_error(r->c, r->id, "spec: missing");
		return;
	}
	if (f->stopping) {
		conn_reply_error(r->c, r->id, "the daemon is stopping");
		return;
	}
	if (request_writable(r) != 0)
		return;
	if (f->executor != EXECSPEC_LOCAL && cJSON_IsObject(spec) &&
	    !cJSON_HasObjectItem(spec, "executor")) {	/* the daemon's default, kept with it */
		spec = with = cJSON_Duplicate(spec, 1);
		cJSON_AddStringToObject(with, "executor", execspec_kind_name(f->executor));
	}
	rc = spec_parse(&parsed, spec, f->max_workers, &cause);
	cJSON_Delete(with);
	if (rc != 0) {
		conn_reply_error(r->c, r->id, "%s", cause);
		free(cause);
		return;
	}
	rs = xcalloc(1, sizeof *rs);
	rs->c = r->c;
	rs->id = r->id != NULL ? cJSON_Duplicate(r->id, 1) : NULL;
	conn_begin(r->c);
	engine_submit(f->engine, &parsed, request_submit_done, rs);
}

/* status: all searches, or one with its trials. */
static void
request_status(struct request *r)
{
	static const char *keys[] = { "search", NULL };
	char *cause = NULL;
	int64_t id = 0;
	cJSON *o, *v;
	int rc;

	if (request_keys(r, keys) != 0 || (rc = request_int(r, "search", 1, 9e15, &id)) < 0)
		return;
	v = rc ? store_search_get(r->c->f->store, id, &cause) :
	    store_search_list(r->c->f->store, &cause);
	if (v == NULL) {
		conn_reply_error(r->c, r->id, "%s", cause ? cause : "status failed");
		free(cause);
		return;
	}
	o = request_ok(r);
	cJSON_AddItemToObject(o, rc ? "search" : "searches", v);
	if (engine_suspended(r->c->f->engine) != NULL)
		cJSON_AddStringToObject(o, "store_error", engine_suspended(r->c->f->engine));
	conn_send(r->c, o);
}

/* best: the best trials of one search or of all. */
static void
request_best(struct request *r)
{
	static const char *keys[] = { "search", "n", NULL };
	char *cause = NULL;
	int64_t id = 0, n = 10;
	cJSON *o, *v;

	if (request_keys(r, keys) != 0 || request_int(r, "search", 1, 9e15, &id) < 0 ||
	    request_int(r, "n", 1, 100000, &n) < 0)
		return;
	if ((v = store_search_best(r->c->f->store, id, (int)n, &cause)) == NULL) {
		conn_reply_error(r->c, r->id, "%s", cause ? cause : "best failed");
		free(cause);
		return;
	}
	o = request_ok(r);
	cJSON_AddItemToObject(o, "trials", v);
	conn_send(r->c, o);
}

/* cancel: stop a search's running trials and start no more. */
static void
request_cancel(struct request *r)
{
	static const char *keys[] = { "search", NULL };
	char *cause = NULL;
	int64_t id;
	cJSON *o;
	int rc, n;

	if (request_keys(r, keys) != 0 || (rc = request_int(r, "search", 1, 9e15, &id)) < 0)
		return;
	if (rc == 0) {
		conn_reply_error(r->c, r->id, "search: missing");
		return;
	}
	if (request_writable(r) != 0)
		return;
	if (engine_cancel(r->c->f->engine, id, &n, &cause) != 0) {
		conn_reply_error(r->c, r->id, "%s", cause);
		free(cause);
		return;
	}
	o = request_ok(r);
	cJSON_AddNumberToObject(o, "search", (double)id);
	cJSON_AddNumberToObject(o, "cancelled", n);
	conn_send(r->c, o);
}

/* watch: a stream of events (history first, if asked), live until the search ends. */
static void
request_watch(struct request *r)
{
	static const char *keys[] = { "search", "history", "follow", NULL };
	bool history = true, follow = true;
	int64_t id = 0;

	if (request_keys(r, keys) != 0 || request_int(r, "search", 1, 9e15, &id) < 0 ||
	    request_bool(r, "history", &history) < 0 || request_bool(r, "follow", &follow) < 0)
		return;
	if (r->c->watching) {
		conn_reply_error(r->c, r->id, "watch: this connection is already watching");
		return;
	}
	if (id != 0 && !engine_running(r->c->f->engine, id)) {	/* does it exist at all? */
		char *cause = NULL;
		cJSON *row = store_search_get(r->c->f->store, id, &cause);

		if (row == NULL) {
			conn_reply_error(r->c, r->id, "%s", cause ? cause : "no such search");
			free(cause);
			return;
		}
		cJSON_Delete(row);
	}
	conn_send(r->c, request_ok(r));
	watch_start(r->c, id, history, follow);
}

/* nudge: change a running trial's α or β, or roll it back, at its next epoch boundary. */
static void
request_nudge(struct request *r)
{
	static const char *keys[] = { "trial", "set", "scale", "rollback", NULL };
	static const char *settable[] = { "alpha", "beta", "beta1", "beta2", NULL };
	const cJSON *set = cJSON_GetObjectItemCaseSensitive(r->json, "set");
	const cJSON *scale = cJSON_GetObjectItemCaseSensitive(r->json, "scale");
	const cJSON *item;
	struct hparams h;
	char *cause = NULL, *path;
	bool rollback = false;
	int64_t id;
	cJSON *n;
	int rc, epoch;

	if (request_keys(r, keys) != 0 || (rc = request_int(r, "trial", 1, 9e15, &id)) < 0 ||
	    request_bool(r, "rollback", &rollback) < 0)
		return;
	if (rc == 0) {
		conn_reply_error(r->c, r->id, "trial: missing");
		return;
	}
	if ((set != NULL && !cJSON_IsObject(set)) || (scale != NULL && !cJSON_IsObject(scale))) {
		conn_reply_error(r->c, r->id, "%s: must be an object", set != NULL &&
		    !cJSON_IsObject(set) ? "set" : "scale");
		return;
	}
	if (cJSON_GetArraySize(set) + cJSON_GetArraySize(scale) == 0 && !rollback) {
		conn_reply_error(r->c, r->id, "nudge: nothing to do (set, scale or rollback)");
		return;
	}
	hparams_defaults(&h);
	cJSON_ArrayForEach(item, set) {
		if (!jcheck_in_list(settable, item->string)) {
			conn_reply_error(r->c, r->id, "set.%s: only alpha, beta, beta1 and beta2 can "
			    "be nudged", item->string);
			return;
		}
		path = xasprintf("set.%s", item->string);
		rc = hparams_set(&h, item->string, item, path, &cause);
		free(path);
		if (rc != 0) {
			conn_reply_error(r->c, r->id, "%s", cause);
			free(cause);
			return;
		}
	}
	cJSON_ArrayForEach(item, scale) {
		if (strcmp(item->string, "alpha") != 0 || !cJSON_IsNumber(item) ||
		    !(item->valuedouble > 0 && item->valuedouble <= 1000)) {
			conn_reply_error(r->c, r->id, "scale.%s: only alpha can be scaled, by a "
			    "factor in (0, 1000]", item->string);
			return;
		}
	}
	if (request_writable(r) != 0)
		return;
	n = cJSON_CreateObject();
	if (set != NULL)
		cJSON_AddItemToObject(n, "set", cJSON_Duplicate(set, 1));
	if (scale != NULL)
		cJSON_AddItemToObject(n, "scale", cJSON_Duplicate(scale, 1));
	if (rollback)
		cJSON_AddBoolToObject(n, "rollback", true);
	rc = engine_nudge(r->c->f->engine, id, n, &epoch, &cause);
	cJSON_Delete(n);
	if (rc != 0) {
		conn_reply_error(r->c, r->id, "%s", cause);
		free(cause);
		return;
	}
	n = request_ok(r);
	cJSON_AddNumberToObject(n, "trial", (double)id);
	cJSON_AddNumberToObject(n, "epoch", epoch);
	conn_send(r->c, n);
}

/* shutdown: reply, then stop the daemon. */
static void
request_shutdown(struct request *r)
{
	static const char *keys[] = { NULL };

	if (request_keys(r, keys) != 0)
		return;
	conn_send(r->c, request_ok(r));
	front_stop(r->c->f, "shutdown requested");
}

/* The request types, for messages: "hello, submit, …". */
static const char *
request_names(void)
{
	static char names[128];
	size_t i;

	if (names[0] != '\0')
		return names;
	for (i = 0; i < sizeof request_types / sizeof request_types[0]; i++)
		snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
		    i > 0 ? ", " : "", request_types[i].name);
	return names;
}

/* Parse one request line and run its handler. */
void
request_handle(struct conn *c, const char *line, size_t len)
{
	struct request r = { c, NULL, NULL };
	const cJSON *type;
	const char *end = NULL;
	size_t i;

	r.json = cJSON_ParseWithLengthOpts(line, len, &end, 0);
	if (r.json == NULL) {
		end = cJSON_GetErrorPtr();
		conn_reply_error(c, NULL, "request: invalid JSON at byte %ld",
		    end != NULL && end >= line ? (long)(end - line) : 0L);
		return;
	}
	if (!cJSON_IsObject(r.json)) {
		conn_reply_error(c, NULL, "request: must be a JSON object");
		goto out;
	}
	r.id = cJSON_GetObjectItemCaseSensitive(r.json, "id");
	type = cJSON_GetObjectItemCaseSensitive(r.json, "type");
	if (!cJSON_IsString(type)) {
		conn_reply_error(c, r.id, "type: must be a string (one of %s)", request_names());
		goto out;
	}
	for (i = 0; i < sizeof request_types / sizeof request_types[0]; i++) {
		if (strcmp(request_types[i].name, type->valuestring) == 0) {
			request_types[i].fn(&r);
			goto out;
		}
	}
	conn_reply_error(c, r.id, "type: unknown request \"%.64s\"", type->valuestring);
out:
	cJSON_Delete(r.json);
}
