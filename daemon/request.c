/*
 * request.c: one request line from a client, dispatched by its "type" through a table. Every
 * field is checked for type and range before use; every error is a reply naming what is wrong.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "log.h"
#include "modelsize.h"
#include "protocol.h"
#include "tunad.h"
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

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
	    v->valuedouble < min || v->valuedouble > max) {
		conn_reply_error(r->c, r->id, "%s: must be an integer in [%.0f, %.0f]", key, min,
		    max);
		return -1;
	}
	*out = (int64_t)v->valuedouble;
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

/* Refuse a request that must write while the database cannot be written (suspend.c). */
static int
request_writable(struct request *r)
{
	char *msg;

	if (tunad.suspended == NULL)
		return 0;
	msg = suspend_refusal();
	conn_reply_error(r->c, r->id, "%s", msg);
	free(msg);
	return -1;
}

/* Refuse members a request type does not know. */
static int
request_keys(struct request *r, const char *const *allowed)
{
	const cJSON *item;
	int i;

	cJSON_ArrayForEach(item, r->json) {
		if (strcmp(item->string, "type") == 0 || strcmp(item->string, "id") == 0)
			continue;
		for (i = 0; allowed[i] != NULL && strcmp(allowed[i], item->string) != 0; i++)
			;
		if (allowed[i] == NULL) {
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

/* A submit waiting for its data set to be checked off the loop. */
struct request_submit {
	uv_work_t work;
	struct conn *c;
	cJSON *id;
	struct spec spec;
	cJSON *class_names;		/* the data set's text labels, in class order, or NULL */
	char *error;
};

/* Worker thread: check the data set is readable and the model fits in memory. */
static void
request_submit_work(uv_work_t *work)
{
	struct request_submit *rs = work->data;
	struct dataset_source src;
	struct dataset ds;
	const struct spec_param *p;
	double units = 256, layers = 2, batch = 128, params, bytes, mem;
	char *cause = NULL;
	int i;

	memset(&ds, 0, sizeof ds);
	if (source_parse(&src, rs->spec.dataset, "dataset", &cause) != 0 ||
	    dataset_open(&ds, &src, &cause) != 0) {
		rs->error = xasprintf("dataset: %s", cause);
		goto fail;
	}
	rs->class_names = dataset_class_names_json(&ds);
	for (i = 0; i < rs->spec.n_params; i++) {
		p = &rs->spec.params[i];
		double hi = p->d.max;	/* the largest value a draw can take, any kind */

		if (strcmp(p->hp->name, "hidden_units") == 0)
			units = hi;
		else if (strcmp(p->hp->name, "layers") == 0)
			layers = hi;
		else if (strcmp(p->hp->name, "batch_size") == 0)
			batch = hi;
	}
	/* the worker's own limit, on this data set; then what its trainer allocates */
	if (modelsize_check(ds.features, ds.classes, (int)layers, (int)units, &cause) != 0) {
		rs->error = xstrdup(cause);
		goto fail;
	}
	params = (double)modelsize_params(ds.features, ds.classes, (int)layers, (int)units, true);
	bytes = modelsize_bytes(ds.features, ds.classes, (int)layers, (int)units, (int)batch,
	    rs->spec.threads);
	mem = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
	if (bytes * rs->spec.parallel > 0.8 * mem) {
		rs->error = xasprintf("params.hidden_units: a model of up to %.0f parameters "
		    "(%d layers of %.0f units, %zu features, %d classes) needs about %.0f MB per "
		    "worker; %d workers need more than this machine's %.0f MB",
		    params, (int)layers, units, ds.features, ds.classes, bytes / 1e6,
		    rs->spec.parallel, mem / 1e6);
	}
	/* the limits: the data set is mapped whole, 8-bit IDX pixels or floats, 2-byte labels */
	if (rs->error == NULL && spec_limits_fit(&rs->spec, bytes, (double)(ds.n_train +
	    ds.n_val + ds.n_test) * ((double)ds.features * (ds.ftype == DATASET_U8 ? 1 : 4) + 2),
	    &cause) != 0)
		rs->error = xstrdup(cause);
fail:
	source_free(&src);	/* source_parse always leaves src safe to free */
	dataset_close(&ds);
	free(cause);
}

/* Back on the loop: record the search, reply, and start it. */
static void
request_submit_done(uv_work_t *work, int status)
{
	struct request_submit *rs = work->data;
	struct search *s;
	char *spec_json = NULL, *names_json = NULL, *cause = NULL;
	int64_t id;
	cJSON *o, *ev;

	if (status != 0 && rs->error == NULL)
		rs->error = xasprintf("submit: %s", uv_strerror(status));
	if (tunad.suspended != NULL && rs->error == NULL)
		rs->error = suspend_refusal();
	if (rs->error != NULL) {
		conn_reply_error(rs->c, rs->id, "%s", rs->error);
		goto fail;
	}
	if (tunad.stopping) {
		conn_reply_error(rs->c, rs->id, "the daemon is stopping");
		goto fail;
	}
	/* committed before the reply: a search id given out is never lost */
	spec_json = cJSON_PrintUnformatted(rs->spec.json);
	if (rs->class_names != NULL)
		names_json = cJSON_PrintUnformatted(rs->class_names);
	if (store_search_add(tunad.store, &id, rs->spec.name, spec_mode_name(rs->spec.mode),
	    spec_strategy_name(rs->spec.strategy), spec_json, names_json, rs->spec.trials,
	    rs->spec.parallel, &cause) != 0 || watch_commit(&cause) != 0) {
		conn_reply_error(rs->c, rs->id, "cannot record the search: %s", cause);
		tunad_store_error("add search", cause);
		rs->error = xstrdup("not recorded");	/* frees the spec */
		goto fail;
	}
	s = search_create(id, &rs->spec);	/* takes the spec */
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", true);
	if (rs->id != NULL)
		cJSON_AddItemToObject(o, "id", cJSON_Duplicate(rs->id, 1));
	cJSON_AddNumberToObject(o, "search", (double)id);
	conn_send(rs->c, o);
	log_info("search %lld: submitted \"%s\": %d trials, %d at once", (long long)id,
	    s->spec.name, s->spec.trials, s->spec.parallel);
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "name", s->spec.name);
	cJSON_AddStringToObject(ev, "mode", spec_mode_name(s->spec.mode));
	cJSON_AddStringToObject(ev, "strategy", spec_strategy_name(s->spec.strategy));
	cJSON_AddNumberToObject(ev, "trials", s->spec.trials);
	cJSON_AddNumberToObject(ev, "parallel", s->spec.parallel);
	if (rs->class_names != NULL) {
		cJSON_AddItemToObject(ev, "class_names", rs->class_names);
		rs->class_names = NULL;
	}
	watch_publish(id, 0, EV_SEARCH_START, ev);
	search_begin(s);
	search_schedule();
fail:
	if (rs->error != NULL || tunad.stopping)
		spec_free(&rs->spec);
	free(spec_json);
	free(names_json);
	cJSON_Delete(rs->class_names);
	free(rs->error);
	cJSON_Delete(rs->id);
	conn_end(rs->c);
	free(rs);
}

/* submit: check the spec now, the data set off the loop, then start the search. */
static void
request_submit(struct request *r)
{
	static const char *keys[] = { "spec", NULL };
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(r->json, "spec");
	struct request_submit *rs;
	char *cause = NULL;
	int rc;

	if (request_keys(r, keys) != 0)
		return;
	if (spec == NULL) {
		conn_reply_error(r->c, r->id, "spec: missing");
		return;
	}
	if (tunad.stopping) {
		conn_reply_error(r->c, r->id, "the daemon is stopping");
		return;
	}
	if (request_writable(r) != 0)
		return;
	rs = xcalloc(1, sizeof *rs);
	if (spec_parse(&rs->spec, spec, tunad.max_workers, &cause) != 0) {
		conn_reply_error(r->c, r->id, "%s", cause);
		free(cause);
		free(rs);
		return;
	}
	rs->c = r->c;
	rs->id = r->id != NULL ? cJSON_Duplicate(r->id, 1) : NULL;
	rs->work.data = rs;
	conn_begin(r->c);
	if ((rc = uv_queue_work(tunad.loop, &rs->work, request_submit_work,
	    request_submit_done)) != 0) {
		rs->error = xasprintf("submit: %s", uv_strerror(rc));
		request_submit_done(&rs->work, rc);
	}
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
	v = rc ? store_search(tunad.store, id, &cause) : store_searches(tunad.store, &cause);
	if (v == NULL) {
		conn_reply_error(r->c, r->id, "%s", cause ? cause : "status failed");
		free(cause);
		return;
	}
	o = request_ok(r);
	cJSON_AddItemToObject(o, rc ? "search" : "searches", v);
	if (tunad.suspended != NULL)
		cJSON_AddStringToObject(o, "store_error", tunad.suspended);
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
	if ((v = store_best(tunad.store, id, (int)n, &cause)) == NULL) {
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
	struct search *s;
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
	if ((s = search_find(id)) == NULL) {
		conn_reply_error(r->c, r->id, "search %lld: not running", (long long)id);
		return;
	}
	n = search_cancel(s);
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
	if (id != 0 && search_find(id) == NULL) {	/* not running: does it exist at all? */
		char *cause = NULL;
		cJSON *row = store_search(tunad.store, id, &cause);

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
	struct trial *t;
	char *cause = NULL, *path;
	bool rollback = false;
	int64_t id;
	cJSON *n;
	int rc, i;

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
		for (i = 0; settable[i] != NULL && strcmp(settable[i], item->string) != 0; i++)
			;
		if (settable[i] == NULL) {
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
	if ((t = babysit_find(id)) == NULL) {
		conn_reply_error(r->c, r->id, "trial %lld: not running", (long long)id);
		return;
	}
	n = cJSON_CreateObject();
	if (set != NULL)
		cJSON_AddItemToObject(n, "set", cJSON_Duplicate(set, 1));
	if (scale != NULL)
		cJSON_AddItemToObject(n, "scale", cJSON_Duplicate(scale, 1));
	if (rollback)
		cJSON_AddBoolToObject(n, "rollback", true);
	rc = babysit_nudge(t, n, &cause);
	cJSON_Delete(n);
	if (rc != 0) {
		conn_reply_error(r->c, r->id, "%s", cause);
		free(cause);
		return;
	}
	/* the boundary after the epoch being trained now: its end is where the nudge lands */
	n = request_ok(r);
	cJSON_AddNumberToObject(n, "trial", (double)id);
	cJSON_AddNumberToObject(n, "epoch", t->last_epoch + 1);
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
	tunad_stop("shutdown requested");
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
		conn_reply_error(c, r.id, "type: must be a string (one of hello, submit, status, "
		    "best, cancel, watch, shutdown)");
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
