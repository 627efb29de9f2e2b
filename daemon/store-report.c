/*
 * store-report.c: the epochs trials report — each once, as a row of reports in its place in
 * the search's history, at a time counted from the search's creation, its numbers in the slots
 * its search gave their names (a new name takes the next slot; past STORE_SLOTS, the row's
 * `more` object). A number equal to the trial's
 * hyperparameter of the same name is stored NULL: the trial's params say it. Read back as the
 * epoch event a watcher was sent, and as a rung's values for ASHA.
 * Layer: part
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "timestamp.h"
#include "xmalloc.h"

/* A search's metric slots, from the cache or read into it. */
static struct store_slots *
store_report_slots(struct store *st, int64_t search_id, char **cause)
{
	sqlite3_stmt *stmt = st->stmt[S_METRICS];
	struct store_slots *sl;
	const char *name;
	int i, rc, slot;

	for (i = 0; i < STORE_CACHED; i++) {
		if (st->slots[i].search_id == search_id)
			return &st->slots[i];
	}
	sl = &st->slots[st->slots_next];
	st->slots_next = (st->slots_next + 1) % STORE_CACHED;
	memset(sl, 0, sizeof *sl);
	sqlite3_bind_int64(st->stmt[S_SEARCH_CREATED], 1, search_id);
	if ((rc = store_next(st, S_SEARCH_CREATED, cause)) <= 0) {
		if (rc == 0)
			xcause(cause, -ENOENT, "store: search %lld: no such search",
			    (long long)search_id);
		return NULL;
	}
	sl->created = sqlite3_column_int64(st->stmt[S_SEARCH_CREATED], 0);
	store_reset(st, S_SEARCH_CREATED);
	sqlite3_bind_int64(stmt, 1, search_id);
	while ((rc = store_next(st, S_METRICS, cause)) == 1) {
		slot = sqlite3_column_int(stmt, 0);
		name = (const char *)sqlite3_column_text(stmt, 1);
		if (slot < 0 || slot >= STORE_SLOTS || slot != sl->n || name == NULL)
			continue;	/* not one this daemon wrote: ignored */
		sl->since[sl->n] = sqlite3_column_int64(stmt, 2);
		snprintf(sl->name[sl->n++], METRIC_NAME_MAX, "%s", name);
	}
	if (rc < 0) {
		memset(sl, 0, sizeof *sl);
		return NULL;
	}
	sl->search_id = search_id;
	return sl;
}

/*
 * The slot of a search's metric, or -1 (not one of its slots, or unreadable); *since: the
 * first report with it.
 */
int
store_report_slot(struct store *st, int64_t search_id, const char *name, int64_t *since)
{
	struct store_slots *sl;
	char *cause = NULL;
	int i;

	if ((sl = store_report_slots(st, search_id, &cause)) == NULL) {
		free(cause);
		return -1;
	}
	*since = 0;
	for (i = 0; i < sl->n; i++) {
		if (strcmp(sl->name[i], name) == 0) {
			*since = sl->since[i];
			return i;
		}
	}
	return -1;
}

/*
 * A metric's slot into *slot, a new one if there is room, first carried by report `id`
 * (recorded in metrics: *rows counts it); -1 past the slots. Returns 0 or -errno.
 */
static int
store_report_claim(struct store *st, struct store_slots *sl, const char *name, int64_t id,
    int *slot, int *rows, char **cause)
{
	sqlite3_stmt *stmt = st->stmt[S_METRIC_ADD];
	int i, err;

	for (i = 0; i < sl->n && strcmp(sl->name[i], name) != 0; i++)
		;
	*slot = i < sl->n ? i : -1;
	if (i < sl->n || sl->n == STORE_SLOTS)
		return 0;
	sqlite3_bind_int64(stmt, 1, sl->search_id);
	sqlite3_bind_int(stmt, 2, sl->n);
	store_bind_text(stmt, 3, name);
	sqlite3_bind_int64(stmt, 4, id);
	if ((err = store_run(st, S_METRIC_ADD, cause)) != 0)
		return err;
	snprintf(sl->name[sl->n], METRIC_NAME_MAX, "%s", name);
	sl->since[sl->n] = id;
	(*rows)++;
	*slot = sl->n++;
	return 0;
}

/* Whether value is the trial's hyperparameter called name (then it is not stored again). */
static bool
store_report_is_param(const cJSON *params, const char *name, double value)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(params, name);

	return cJSON_IsNumber(p) && p->valuedouble == value;
}

/*
 * Record an epoch a trial reported — its metrics m[n], at time (ms) — as a report in its place
 * among the search's events; *id gets that place. params: the trial's hyperparameters.
 */
int
store_report_add(struct store *st, int64_t *id, int64_t search_id, int64_t trial_id,
    int epoch, int64_t time, const cJSON *params, const struct metric *m, int n,
    char **cause)
{
	sqlite3_stmt *stmt = st->stmt[S_REPORT_ADD];
	double vals[STORE_SLOTS];
	bool present[STORE_SLOTS] = { false };
	struct store_slots *sl;
	cJSON *more = NULL;
	char *text = NULL;
	int64_t absent = 0;
	int i, s, err, rows = 0;

	if (epoch < 0)
		return xcause(cause, -EINVAL, "store: insert report: no \"epoch\" number");
	if ((err = store_begin_many(st, cause)) != 0)
		return err;
	if ((sl = store_report_slots(st, search_id, cause)) == NULL) {
		err = -EIO;
		goto fail;
	}
	if ((err = store_new_id(st, id, cause)) != 0)
		goto fail;
	for (i = 0; i < n; i++) {
		if ((err = store_report_claim(st, sl, m[i].name, *id, &s, &rows, cause)) != 0)
			goto fail;
		/*
		 * Past the slots, or a null where NULL would read back as the hyperparameter
		 * of that name: in the row's extra names.
		 */
		if (s < 0 || (isnan(m[i].value) &&
		    cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(params, m[i].name)))) {
			if (more == NULL)
				more = cJSON_CreateObject();
			if (isnan(m[i].value))
				cJSON_AddNullToObject(more, m[i].name);
			else
				cJSON_AddNumberToObject(more, m[i].name, m[i].value);
			continue;
		}
		present[s] = true;
		vals[s] = store_report_is_param(params, m[i].name, m[i].value) ? NAN : m[i].value;
	}
	for (s = 0; s < sl->n; s++) {
		if (!present[s])
			absent |= (int64_t)1 << s;
	}
	sqlite3_bind_int64(stmt, 1, *id);
	sqlite3_bind_int64(stmt, 2, trial_id);
	sqlite3_bind_int(stmt, 3, epoch);
	sqlite3_bind_int64(stmt, 4, time - sl->created);
	if (absent != 0)
		sqlite3_bind_int64(stmt, 5, absent);
	for (s = 0; s < sl->n; s++) {
		if (present[s])
			store_bind_real(stmt, 6 + s, vals[s]);
	}
	if (more != NULL) {
		text = cJSON_PrintUnformatted(more);
		store_bind_text(stmt, 18, text);
	}
	if ((err = store_run(st, S_REPORT_ADD, cause)) == 0)
		rows++;
fail:
	cJSON_Delete(more);
	cJSON_free(text);
	if (err != 0 && sl != NULL)
		memset(sl, 0, sizeof *sl);	/* a slot it claimed is rolled back: read again */
	return store_end_many(st, err, rows, cause);
}

/*
 * A report read from the history (columns from `first` of stmt: epoch, time, absent, v0 …
 * v11, more; and the trial's number and params) as the epoch event a watcher was sent, in the
 * history's order of members: {"id","event":"epoch","search","trial","time","epoch", …its
 * metrics…, "number"}.
 */
cJSON *
store_report_event(struct store *st, sqlite3_stmt *stmt, int first, int64_t search_id,
    int number, const cJSON *params)
{
	char when[TIMESTAMP_LEN], *cause = NULL;
	const cJSON *p, *v;
	struct store_slots *sl;
	int64_t absent = sqlite3_column_int64(stmt, first + 2);
	cJSON *o = cJSON_CreateObject(), *more;
	int s, col;

	cJSON_AddNumberToObject(o, "id", (double)sqlite3_column_int64(stmt, 0));
	cJSON_AddStringToObject(o, "event", "epoch");
	cJSON_AddNumberToObject(o, "search", (double)search_id);
	cJSON_AddNumberToObject(o, "trial", (double)sqlite3_column_int64(stmt, 3));
	if ((sl = store_report_slots(st, search_id, &cause)) == NULL)
		free(cause);
	timestamp_format((sl != NULL ? sl->created : 0) + sqlite3_column_int64(stmt, first + 1),
	    when, sizeof when);
	cJSON_AddStringToObject(o, "time", when);
	cJSON_AddNumberToObject(o, "epoch", sqlite3_column_int(stmt, first));
	for (s = 0; sl != NULL && s < sl->n; s++) {
		if ((absent & ((int64_t)1 << s)) || sqlite3_column_int64(stmt, 0) < sl->since[s])
			continue;
		col = first + 3 + s;
		if (sqlite3_column_type(stmt, col) != SQLITE_NULL)
			cJSON_AddNumberToObject(o, sl->name[s], sqlite3_column_double(stmt, col));
		else if (cJSON_IsNumber(p = cJSON_GetObjectItemCaseSensitive(params, sl->name[s])))
			cJSON_AddNumberToObject(o, sl->name[s], p->valuedouble);
		else
			cJSON_AddNullToObject(o, sl->name[s]);
	}
	col = first + 3 + STORE_SLOTS;
	if (sqlite3_column_type(stmt, col) != SQLITE_NULL &&
	    (more = cJSON_Parse((const char *)sqlite3_column_text(stmt, col))) != NULL) {
		cJSON_ArrayForEach(v, more)
			cJSON_AddItemToObject(o, v->string, cJSON_Duplicate(v, 1));
		cJSON_Delete(more);
	}
	cJSON_AddNumberToObject(o, "number", number);
	return o;
}

/* The values of a metric at one epoch, over a search's trials (what ASHA's rung saw). */
int
store_report_rung(struct store *st, int64_t search_id, int epoch, const char *metric,
    double **vals, int *n, char **cause)
{
	sqlite3_stmt *stmt = st->stmt[S_RUNG_VALUES];
	char path[METRIC_NAME_MAX + 8];
	int64_t since;
	int rc, size = 0;

	*vals = NULL;
	*n = 0;
	snprintf(path, sizeof path, "$.\"%s\"", metric);
	sqlite3_bind_int64(stmt, 1, search_id);
	sqlite3_bind_int(stmt, 2, epoch);
	sqlite3_bind_int(stmt, 3, store_report_slot(st, search_id, metric, &since));
	sqlite3_bind_int64(stmt, 4, since);
	store_bind_text(stmt, 5, path);
	while ((rc = store_next(st, S_RUNG_VALUES, cause)) == 1) {
		if (sqlite3_column_type(stmt, 0) == SQLITE_NULL)
			continue;
		if (*n == size) {
			size = size ? 2 * size : 64;
			*vals = xreallocarray(*vals, (size_t)size, sizeof **vals);
		}
		(*vals)[(*n)++] = sqlite3_column_double(stmt, 0);
	}
	if (rc < 0) {
		free(*vals);
		*vals = NULL;
		*n = 0;
		return rc;
	}
	return 0;
}
