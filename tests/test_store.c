/*
 * test_store.c: unit tests of the SQLite store: schema and pragmas, writes and the JSON
 * reads, trial reset, WAL readers beside the open write transaction, the users' queries,
 * reopening and refusing a newer schema, the BLAS kernels of trials, failed writes, disk full,
 * and an insert-rate smoke.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <sqlite3.h>

#include "store.h"
#include "testutil.h"

extern const char *const sql_migrations[];

static char *tmp;

/* The number of migrations the store knows. */
static int
migrations(void)
{
	int n;

	for (n = 0; sql_migrations[n] != NULL; n++)
		;
	return n;
}

/* Open a second, independent connection to the database. */
static sqlite3 *
db2_open(const char *path)
{
	sqlite3 *db;

	ASSERT(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
	sqlite3_busy_timeout(db, 100);
	return db;
}

/* Run a one-value query (printf-style) on db and return the integer; fails the test on error. */
static long long __attribute__((format(printf, 2, 3)))
q_int(sqlite3 *db, const char *fmt, ...)
{
	sqlite3_stmt *stmt;
	va_list ap;
	char *sql;
	long long v;
	int rc;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
	ASSERT_EQ_INT(rc, SQLITE_OK);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW)
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
	ASSERT_EQ_INT(rc, SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_free(sql);
	return v;
}

/* Run a one-value query on db and return the text (malloc'd, "(null)" for NULL). */
static char * __attribute__((format(printf, 2, 3)))
q_text(sqlite3 *db, const char *fmt, ...)
{
	sqlite3_stmt *stmt;
	const char *t;
	va_list ap;
	char *sql, *s;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	ASSERT_EQ_INT(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	ASSERT_EQ_INT(sqlite3_step(stmt), SQLITE_ROW);
	t = (const char *)sqlite3_column_text(stmt, 0);
	s = strdup(t != NULL ? t : "(null)");
	ASSERT(s != NULL);
	sqlite3_finalize(stmt);
	sqlite3_free(sql);
	return s;
}

/* Run a query on db and return the number of rows it gives (fails the test on error). */
static int
q_rows(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt;
	int rc, n = 0;

	rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
	ASSERT_EQ_INT(rc, SQLITE_OK);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		n++;
	if (rc != SQLITE_DONE)
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
	ASSERT_EQ_INT(rc, SQLITE_DONE);
	sqlite3_finalize(stmt);
	return n;
}

/* A member's number (fails the test when it is not one). */
static double
num(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsNumber(v))
		fprintf(stderr, "member %s is not a number\n", name);
	ASSERT(cJSON_IsNumber(v));
	return v->valuedouble;
}

/* A member's string (fails the test when it is not one). */
static const char *
str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsString(v))
		fprintf(stderr, "member %s is not a string\n", name);
	ASSERT(cJSON_IsString(v));
	return v->valuestring;
}

/* Whether a member is JSON null. */
static int
is_null(const cJSON *o, const char *name)
{
	return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, name));
}

/* Parse JSON text that the test wrote (fails the test when it does not parse). */
static cJSON *
json(const char *text)
{
	cJSON *v = cJSON_Parse(text);

	ASSERT(v != NULL);
	return v;
}

/* A time as the store writes it: 'YYYY-MM-DD HH:MM:SS.SSS'. */
static void
check_time(const char *t)
{
	ASSERT_EQ_SIZE(strlen(t), 23);
	ASSERT(t[4] == '-' && t[7] == '-' && t[10] == ' ' && t[13] == ':' && t[16] == ':' &&
	    t[19] == '.');
}

/* A fixed moment for reports and events: 2025-12-01 00:00:00.123 UTC, in ms. */
#define T0 1764547200123LL

/*
 * Add an epoch given as a worker's epoch event (JSON) of trial (search sid, params): its
 * "epoch", and every other number (or null) as a named metric, in order — as the daemon's
 * event parser hands them to the store — at time T0 + epoch seconds. *id: its place.
 */
static int
epoch_add(struct store *st, int64_t *id, int64_t sid, int64_t trial, const cJSON *params,
    const cJSON *ev, char **cause)
{
	struct metric m[32];
	const cJSON *v, *k = cJSON_GetObjectItemCaseSensitive(ev, "epoch");
	int64_t ignored;
	int n = 0, epoch = cJSON_IsNumber(k) ? k->valueint : -1;

	cJSON_ArrayForEach(v, ev) {
		if (strcmp(v->string, "epoch") == 0 || n == 32 ||
		    !(cJSON_IsNumber(v) || cJSON_IsNull(v)))
			continue;
		snprintf(m[n].name, sizeof m[n].name, "%s", v->string);
		m[n++].value = cJSON_IsNumber(v) ? v->valuedouble : NAN;
	}
	return store_report_add(st, id != NULL ? id : &ignored, sid, trial, epoch,
	    T0 + 1000 * epoch, params, m, n, cause);
}

/* The val_acc objective, highest first; val_loss, lowest first. */
static const struct store_objective max_acc = { "val_acc", false };
static const struct store_objective min_loss = { "val_loss", true };

/*
 * Finish a trial with results (NaN: none) and return its objective as the store computed it
 * from the trial's reports.
 */
static double
finish_as(struct store *st, int64_t sid, int64_t trial, const char *status, double val_acc,
    double best, const struct store_objective *o)
{
	struct store_result r = {
		.status = trial_status_parse(status), .val_acc = val_acc, .val_loss = 0.5,
		.best_val_acc = best, .test_acc = val_acc - 0.01, .test_loss = 0.6, .seconds = 1.5,
		.epochs = 3, .exit_status = 0, .signal = 0, .error = NULL
	};
	char *cause = NULL;
	double objective = -1;

	if (strcmp(status, "diverged") == 0) {
		r.val_loss = r.test_acc = r.test_loss = NAN;
		r.exit_status = -1;
		r.signal = 9;
		r.error = "loss is NaN";
	}
	ASSERT_EQ_INT(store_trial_finish(st, sid, trial, &r, o, &objective, &cause), 0);
	return objective;
}

/* finish_as by val_acc, highest first. */
static double
finish(struct store *st, int64_t sid, int64_t trial, const char *status, double val_acc,
    double best)
{
	return finish_as(st, sid, trial, status, val_acc, best, &max_acc);
}

/* An event with no id wanted. */
static int
event_add(struct store *st, int64_t sid, int64_t trial, const char *kind, const cJSON *data,
    char **cause)
{
	int64_t id;

	return store_event_add(st, &id, sid, trial, kind, T0, data, cause);
}

/* A fresh database path in the temporary directory. */
static char *
db_path(const char *name)
{
	return tu_path(tmp, name);
}

/* Open: the file (0600), tables, views, indexes, user_version, WAL; reopen; newer refused. */
static void
test_open(void)
{
	char *path = db_path("open.db"), *bad = db_path("bad.db"), *cause = NULL, *mode, *wal;
	struct store *st;
	struct stat sb;
	sqlite3 *db;
	mode_t old;

	old = umask(0);
	ASSERT_EQ_INT(store_open(&st, path, &cause), 0);
	umask(old);
	ASSERT(stat(path, &sb) == 0);
	ASSERT_EQ_INT(sb.st_mode & 0777, 0600);

	db = db2_open(path);
	ASSERT_EQ_INT(q_int(db, "PRAGMA user_version"), migrations());
	mode = q_text(db, "PRAGMA journal_mode");
	ASSERT_EQ_STR(mode, "wal");
	free(mode);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
	    "name IN ('searches', 'trials', 'rounds', 'events', 'reports', 'metrics', "
	    "'kernels')"), 7);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND "
	    "name IN ('best_trials', 'search_progress', 'trial_params', 'epochs', "
	    "'report_values', 'trial_kernels')"), 6);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
	    "name IN ('trials_search_status', 'trials_best', 'events_search', "
	    "'reports_trial')"), 4);
	/* The one copy of each fact: no epochs table, no trial_params table any more. */
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
	    "name IN ('epochs', 'trial_params')"), 0);
	/* The WAL file exists while the store has the database open. */
	wal = tu_path(tmp, "open.db-wal");
	ASSERT(access(wal, F_OK) == 0);
	free(wal);
	store_close(st);

	/* Reopening runs no migration again (they would fail: the tables exist). */
	ASSERT_EQ_INT(store_open(&st, path, &cause), 0);
	ASSERT_EQ_INT(q_int(db, "PRAGMA user_version"), migrations());
	store_close(st);

	/* A database from a newer tuna is refused, and left alone. */
	ASSERT(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL) == SQLITE_OK);
	ASSERT_EQ_INT(store_open(&st, path, &cause), -ENOTSUP);
	ASSERT(st == NULL);
	ASSERT_STR_CONTAINS(cause, "newer");
	ASSERT_STR_CONTAINS(cause, path);
	free(cause);
	cause = NULL;
	ASSERT_EQ_INT(q_int(db, "PRAGMA user_version"), 999);
	sqlite3_close(db);

	/* Not a database at all. */
	tu_write_str(bad, "this is not an SQLite database, not even close to one........"
	    "................................................................");
	ASSERT(store_open(&st, bad, &cause) < 0);
	ASSERT_STR_CONTAINS(cause, bad);
	free(cause);
	cause = NULL;

	/* A missing directory. */
	free(bad);
	bad = db_path("missing/dir/tuna.db");
	ASSERT_EQ_INT(store_open(&st, bad, &cause), -ENOENT);
	ASSERT_STR_CONTAINS(cause, bad);
	free(cause);
	free(bad);
	free(path);
}

/* An older database (here version 0 with a table of the user's) gets the missing migrations. */
static void
test_upgrade(void)
{
	char *path = db_path("old.db"), *cause = NULL;
	struct store *st;
	sqlite3 *db;

	ASSERT(sqlite3_open(path, &db) == SQLITE_OK);
	ASSERT(sqlite3_exec(db, "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('x')",
	    NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	ASSERT_EQ_INT(store_open(&st, path, &cause), 0);
	db = db2_open(path);
	ASSERT_EQ_INT(q_int(db, "PRAGMA user_version"), migrations());
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM notes"), 1);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM search_progress"), 0);
	sqlite3_close(db);
	store_close(st);
	free(path);
}

/* The val_acc trial i reports at epoch k (1…3): objectives 0.85, 0.9, 0.3, 0.92. */
static const char *const accs[4][3] = {
	{ "0.8", "0.85", "0.83" }, { "0.7", "0.8", "0.9" }, { "0.3", "0.2", "null" },
	{ "0.92", "0.9", "0.91" }
};

/* The epoch event trial i (params p) reports at epoch k, as its worker wrote it. */
static cJSON *
epoch_event(int i, int k, const cJSON *p)
{
	char text[512], beta[64] = "";
	double alpha = cJSON_GetObjectItemCaseSensitive(p, "alpha")->valuedouble;

	/* α as given at epoch 1, then halved; β (β1) as given */
	if (i == 0 || i == 3)
		snprintf(beta, sizeof beta, "\"beta1\": %.17g,",
		    cJSON_GetObjectItemCaseSensitive(p, "beta1")->valuedouble);
	else if (i == 1)
		snprintf(beta, sizeof beta, "\"beta\": %.17g,",
		    cJSON_GetObjectItemCaseSensitive(p, "beta")->valuedouble);
	snprintf(text, sizeof text, "{\"epoch\": %d, \"train_loss\": %g, \"train_acc\": %g, "
	    "\"val_loss\": %g, \"val_acc\": %s, \"alpha\": %.17g, %s \"seconds\": 0.25, "
	    "\"eval_seconds\": 0.01}", k, 1.0 / k, 0.5 + 0.1 * k, 1.1 / k, accs[i][k - 1],
	    alpha / (1 << (k - 1)), beta);
	return json(text);
}

/*
 * Whether a history entry is the epoch event ev, rebuilt: every member of ev with its value
 * (in any order), and id, event, search, trial, time, number.
 */
static void
check_epoch(const cJSON *o, const cJSON *ev, int64_t id, int64_t sid, int64_t trial,
    int number)
{
	const cJSON *v;
	char when[32];
	int k = (int)num(ev, "epoch");

	ASSERT_EQ_INT(num(o, "id"), id);
	ASSERT_EQ_STR(str(o, "event"), "epoch");
	ASSERT_EQ_INT(num(o, "search"), sid);
	ASSERT_EQ_INT(num(o, "trial"), trial);
	ASSERT_EQ_INT(num(o, "number"), number);
	snprintf(when, sizeof when, "2025-12-01 00:00:%02d.123", k);
	ASSERT_EQ_STR(str(o, "time"), when);
	/* the first members in the order a watcher was sent them */
	ASSERT_EQ_STR(o->child->string, "id");
	ASSERT_EQ_STR(o->child->next->next->next->next->next->string, "epoch");
	ASSERT_EQ_INT(cJSON_GetArraySize((cJSON *)o), cJSON_GetArraySize((cJSON *)ev) + 6);
	cJSON_ArrayForEach(v, ev) {
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, v->string);

		if (w == NULL)
			fprintf(stderr, "rebuilt epoch lacks %s\n", v->string);
		ASSERT(w != NULL);
		ASSERT(cJSON_Compare(v, w, 1));
	}
}

/* Writes, pending and flush, the JSON reads, the history rebuilt, the views, trial reset. */
static void
test_store(void)
{
	char *path = db_path("tuna.db"), *cause = NULL, *t, sql[1024];
	struct store *st;
	sqlite3 *db;
	cJSON *params[4], *evs[4][3], *ep, *data, *a, *o, *tr, *p;
	int64_t sid, sid2, tid[4], again, eid, rid[4][3], start_eid[4], end_eid[4], *ids, last;
	int i, k, n;

	ASSERT_EQ_INT(store_open(&st, path, &cause), 0);
	db = db2_open(path);
	ASSERT_EQ_INT(store_pending(st), 0);
	ASSERT_EQ_INT(store_flush(st, &cause), 0);	/* nothing to commit */
	ASSERT_EQ_INT(store_last_id(st, &last, &cause), 0);
	ASSERT_EQ_INT(last, 0);

	ASSERT_EQ_INT(store_search_add(st, &sid, "lr sweep", "caviar", "random",
	    "{\"trials\": 4, \"params\": {\"alpha\": {\"log\": [1e-4, 1e-1]}}, "
	    "\"objective\": {\"metric\": \"val_acc\", \"goal\": \"max\"}}",
	    "[\"setosa\",\"versicolor\",\"virginica\"]", 4, 2, &cause), 0);
	ASSERT_EQ_INT(sid, 1);
	ASSERT_EQ_INT(store_pending(st), 1);
	/* The second connection does not see it before the flush, but sees it after. */
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM searches"), 0);
	ASSERT_EQ_INT(store_flush(st, &cause), 0);
	ASSERT_EQ_INT(store_pending(st), 0);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM searches"), 1);

	params[0] = json("{\"alpha\": 0.003, \"optimizer\": \"adam\", \"batchnorm\": true, "
	    "\"batch_size\": 64, \"beta1\": 0.9}");
	params[1] = json("{\"alpha\": 0.03, \"optimizer\": \"momentum\", \"batchnorm\": false, "
	    "\"batch_size\": 128, \"beta\": 0.95}");
	params[2] = json("{\"alpha\": 2.5, \"optimizer\": \"gd\", \"batchnorm\": false, "
	    "\"batch_size\": 32}");
	params[3] = json("{\"alpha\": 0.0009, \"optimizer\": \"adam\", \"batchnorm\": true, "
	    "\"batch_size\": 64, \"beta1\": 0.8}");
	n = 0;
	for (i = 0; i < 4; i++) {
		ASSERT_EQ_INT(store_trial_add(st, &tid[i], sid, i, 1, params[i], &cause), 0);
		ASSERT_EQ_INT(store_pending(st), ++n);
		/* trials 0 and 1 kept whole, 2 and 3 thin (their row says it) */
		data = NULL;
		if (i < 2) {
			data = cJSON_CreateObject();
			cJSON_AddNumberToObject(data, "number", i);
			cJSON_AddNumberToObject(data, "round", 1);
			cJSON_AddItemToObject(data, "params", cJSON_Duplicate(params[i], 1));
		}
		ASSERT_EQ_INT(store_event_add(st, &start_eid[i], sid, tid[i], "trial_start", T0,
		    data, &cause), 0);
		cJSON_Delete(data);
		n++;
		for (k = 1; k <= 3; k++) {
			evs[i][k - 1] = epoch_event(i, k, params[i]);
			ASSERT_EQ_INT(epoch_add(st, &rid[i][k - 1], sid, tid[i], params[i],
			    evs[i][k - 1], &cause), 0);
			ASSERT_EQ_INT(rid[i][k - 1], (k == 1 ? start_eid[i] : rid[i][k - 2]) + 1);
			/* a new name is a row of metrics: 8 at the first epoch, then beta */
			n += 1 + (i == 0 && k == 1 ? 8 : i == 1 && k == 1 ? 1 : 0);
			ASSERT_EQ_INT(store_pending(st), n);
		}
	}
	ASSERT_NEAR(finish(st, sid, tid[0], "done", 0.83, 0.85), 0.85, 1e-12);
	ASSERT_NEAR(finish(st, sid, tid[1], "done", 0.9, 0.9), 0.9, 1e-12);
	ASSERT_NEAR(finish(st, sid, tid[2], "diverged", NAN, 0.3), 0.3, 1e-12);
	ASSERT_NEAR(finish(st, sid, tid[3], "done", 0.91, 0.92), 0.92, 1e-12);
	n += 4;
	for (i = 0; i < 4; i++) {
		data = NULL;
		if (i == 0) {	/* kept whole (a retry's end is) */
			data = cJSON_CreateObject();
			cJSON_AddNumberToObject(data, "number", 0);
			cJSON_AddStringToObject(data, "status", "failed");
		}
		ASSERT_EQ_INT(store_event_add(st, &end_eid[i], sid, tid[i], "trial_end", T0, data,
		    &cause), 0);
		cJSON_Delete(data);
		n++;
	}
	ASSERT_EQ_INT(store_event_add(st, &eid, 0, 0, "log", T0, NULL, &cause), 0);
	data = json("{\"message\": \"hello\", \"id\": 12345, \"event\": \"clash\"}");
	ASSERT_EQ_INT(store_event_add(st, &eid, 0, 0, "log", T0, data, &cause), 0);
	cJSON_Delete(data);
	ASSERT_EQ_INT(store_pending(st), n + 2);
	ASSERT_EQ_INT(store_last_id(st, &last, &cause), 0);
	ASSERT_EQ_INT(last, eid);

	/* Reads see the uncommitted writes; the other connection does not. */
	a = store_search_best(st, sid, 10, &cause);
	ASSERT(a != NULL);
	ASSERT_EQ_INT(cJSON_GetArraySize(a), 3);
	cJSON_Delete(a);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM trials"), 0);
	ASSERT_EQ_INT(store_flush(st, &cause), 0);
	ASSERT_EQ_INT(store_pending(st), 0);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM trials"), 4);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM reports"), 12);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM epochs"), 12);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM metrics"), 9);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM trial_params"), 19);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM events"), 10);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM events WHERE kind = 'epoch'"), 0);

	/* Each fact once: α at epoch 1 and β are the trial's params, stored NULL. */
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM reports WHERE v4 IS NULL"), 4);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM reports WHERE v5 IS NULL"), 12);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM reports WHERE v8 IS NULL"), 12);
	/* absent: beta1 (slot 5) in trials 1 and 2, beta (slot 8) in 2 and 3 (not 0: older) */
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM reports WHERE absent IS NULL"), 3);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM reports WHERE absent = 32"), 3);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM reports WHERE absent = 32 + 256"), 3);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM reports WHERE absent = 256"), 3);

	/* trial_params: REAL, INTEGER for integral numbers, TEXT, booleans 0/1. */
	t = q_text(db, "SELECT typeof(value) FROM trial_params WHERE trial_id = %lld AND "
	    "name = 'alpha'", (long long)tid[0]);
	ASSERT_EQ_STR(t, "real");
	free(t);
	t = q_text(db, "SELECT value FROM trial_params WHERE trial_id = %lld AND "
	    "name = 'optimizer'", (long long)tid[0]);
	ASSERT_EQ_STR(t, "adam");
	free(t);
	ASSERT_EQ_INT(q_int(db, "SELECT value FROM trial_params WHERE trial_id = %lld AND "
	    "name = 'batchnorm' AND typeof(value) = 'integer'", (long long)tid[0]), 1);
	ASSERT_EQ_INT(q_int(db, "SELECT value FROM trial_params WHERE trial_id = %lld AND "
	    "name = 'batchnorm'", (long long)tid[1]), 0);
	ASSERT_EQ_INT(q_int(db, "SELECT value FROM trial_params WHERE trial_id = %lld AND "
	    "name = 'batch_size' AND typeof(value) = 'integer'", (long long)tid[1]), 128);

	/* epochs: beta from "beta", else "beta1", else NULL; α read back; JSON null is NULL. */
	t = q_text(db, "SELECT beta FROM epochs WHERE trial_id = %lld AND epoch = 2",
	    (long long)tid[0]);
	ASSERT_EQ_STR(t, "0.9");
	free(t);
	t = q_text(db, "SELECT beta FROM epochs WHERE trial_id = %lld AND epoch = 2",
	    (long long)tid[1]);
	ASSERT_EQ_STR(t, "0.95");
	free(t);
	t = q_text(db, "SELECT alpha FROM epochs WHERE trial_id = %lld AND epoch = 1",
	    (long long)tid[1]);
	ASSERT_EQ_STR(t, "0.03");
	free(t);
	t = q_text(db, "SELECT alpha FROM epochs WHERE trial_id = %lld AND epoch = 3",
	    (long long)tid[1]);
	ASSERT_EQ_STR(t, "0.0075");
	free(t);
	ASSERT_EQ_INT(q_int(db, "SELECT beta IS NULL FROM epochs WHERE trial_id = %lld AND "
	    "epoch = 2", (long long)tid[2]), 1);
	ASSERT_EQ_INT(q_int(db, "SELECT val_acc IS NULL FROM epochs WHERE trial_id = %lld AND "
	    "epoch = 3", (long long)tid[2]), 1);
	ASSERT_EQ_INT(q_int(db, "SELECT round(train_loss * 1000) FROM epochs WHERE "
	    "trial_id = %lld AND epoch = 2", (long long)tid[2]), 500);

	/* report_values: every number a report carried, by name, and no other. */
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM report_values WHERE trial_id = %lld",
	    (long long)tid[0]), 3 * 8);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM report_values WHERE trial_id = %lld",
	    (long long)tid[2]), 3 * 7);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM report_values WHERE trial_id = %lld "
	    "AND name = 'beta'", (long long)tid[1]), 3);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM report_values WHERE name = 'beta1'"), 6);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM report_values WHERE value IS NULL"), 1);
	t = q_text(db, "SELECT group_concat(value, ' ') FROM (SELECT value FROM report_values "
	    "WHERE trial_id = %lld AND name = 'val_acc' ORDER BY epoch)", (long long)tid[1]);
	ASSERT_EQ_STR(t, "0.7 0.8 0.9");
	free(t);
	t = q_text(db, "SELECT typeof(value) FROM report_values WHERE trial_id = %lld AND "
	    "name = 'alpha' AND epoch = 1", (long long)tid[2]);
	ASSERT_EQ_STR(t, "real");
	free(t);

	/* trials: NaN, exit status -1, signal 0 are NULL; the objective, from the reports. */
	ASSERT_EQ_INT(q_int(db, "SELECT val_acc IS NULL AND test_acc IS NULL AND exit_status IS "
	    "NULL AND signal = 9 FROM trials WHERE id = %lld", (long long)tid[2]), 1);
	ASSERT_EQ_INT(q_int(db, "SELECT exit_status = 0 AND signal IS NULL AND error IS NULL "
	    "FROM trials WHERE id = %lld", (long long)tid[0]), 1);
	ASSERT_EQ_INT(q_int(db, "SELECT julianday(finished_at) >= julianday(started_at) FROM "
	    "trials WHERE id = %lld", (long long)tid[0]), 1);
	ASSERT_EQ_INT(q_int(db, "SELECT round(objective * 100) FROM trials WHERE id = %lld",
	    (long long)tid[3]), 92);

	/* store_search_list. */
	a = store_search_list(st, &cause);
	ASSERT(a != NULL);
	ASSERT_EQ_INT(cJSON_GetArraySize(a), 1);
	o = cJSON_GetArrayItem(a, 0);
	ASSERT_EQ_INT(num(o, "id"), sid);
	ASSERT_EQ_STR(str(o, "name"), "lr sweep");
	ASSERT_EQ_STR(str(o, "mode"), "caviar");
	ASSERT_EQ_STR(str(o, "strategy"), "random");
	ASSERT_EQ_STR(str(o, "status"), "running");
	ASSERT_EQ_INT(num(o, "trials"), 4);
	ASSERT_EQ_INT(num(o, "parallel"), 2);
	check_time(str(o, "created_at"));
	ASSERT(is_null(o, "finished_at"));
	p = cJSON_GetObjectItemCaseSensitive(o, "counts");
	ASSERT_EQ_INT(num(p, "done"), 3);
	ASSERT_EQ_INT(num(p, "diverged"), 1);
	ASSERT_EQ_INT(num(p, "running"), 0);
	ASSERT_EQ_INT(num(p, "queued"), 0);
	ASSERT_EQ_INT(num(p, "pruned"), 0);
	ASSERT_EQ_INT(cJSON_GetArraySize(p), TRIAL_NSTATUS);
	p = cJSON_GetObjectItemCaseSensitive(o, "objective");
	ASSERT_EQ_STR(str(p, "metric"), "val_acc");
	ASSERT_EQ_STR(str(p, "goal"), "max");
	ASSERT_NEAR(num(o, "best"), 0.92, 1e-12);
	ASSERT_EQ_INT(num(o, "best_trial"), tid[3]);
	ASSERT(cJSON_GetObjectItemCaseSensitive(o, "spec") == NULL);
	cJSON_Delete(a);

	/* store_search_get: spec parsed, trials by number with params objects. */
	o = store_search_get(st, sid, &cause);
	ASSERT(o != NULL);
	ASSERT_EQ_INT(num(cJSON_GetObjectItemCaseSensitive(o, "spec"), "trials"), 4);
	ASSERT_EQ_INT(num(cJSON_GetObjectItemCaseSensitive(o, "counts"), "done"), 3);
	ASSERT_EQ_INT(num(o, "requested"), 4);
	ASSERT_EQ_INT(num(o, "parallel"), 2);
	ASSERT_EQ_STR(str(o, "name"), "lr sweep");
	p = cJSON_GetObjectItemCaseSensitive(o, "class_names");
	ASSERT(cJSON_IsArray(p) && cJSON_GetArraySize(p) == 3);
	ASSERT_EQ_STR(cJSON_GetArrayItem(p, 1)->valuestring, "versicolor");
	a = cJSON_GetObjectItemCaseSensitive(o, "trials");
	ASSERT_EQ_INT(cJSON_GetArraySize(a), 4);
	for (i = 0; i < 4; i++) {
		tr = cJSON_GetArrayItem(a, i);
		ASSERT_EQ_INT(num(tr, "id"), tid[i]);
		ASSERT_EQ_INT(num(tr, "number"), i);
		ASSERT_EQ_INT(num(tr, "round"), 1);
		ASSERT_EQ_INT(num(tr, "epochs"), 3);
		ASSERT_NEAR(num(tr, "seconds"), 1.5, 1e-12);
		check_time(str(tr, "started_at"));
		check_time(str(tr, "finished_at"));
		ASSERT(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(tr, "params"), params[i],
		    1));
	}
	tr = cJSON_GetArrayItem(a, 2);
	ASSERT_EQ_STR(str(tr, "status"), "diverged");
	ASSERT(is_null(tr, "val_acc"));
	ASSERT(is_null(tr, "test_acc"));
	ASSERT(is_null(tr, "exit_status"));
	ASSERT_EQ_INT(num(tr, "signal"), 9);
	ASSERT_EQ_STR(str(tr, "error"), "loss is NaN");
	ASSERT_NEAR(num(tr, "best_val_acc"), 0.3, 1e-12);
	ASSERT_NEAR(num(tr, "objective"), 0.3, 1e-12);
	tr = cJSON_GetArrayItem(a, 0);
	ASSERT_EQ_STR(str(tr, "status"), "done");
	ASSERT_NEAR(num(tr, "val_acc"), 0.83, 1e-12);
	ASSERT_NEAR(num(tr, "test_acc"), 0.82, 1e-12);
	ASSERT_EQ_INT(num(tr, "exit_status"), 0);
	ASSERT(is_null(tr, "signal"));
	ASSERT(is_null(tr, "error"));
	ASSERT_EQ_STR(str(cJSON_GetObjectItemCaseSensitive(tr, "params"), "optimizer"), "adam");
	ASSERT(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    tr, "params"), "batchnorm")));
	cJSON_Delete(o);
	ASSERT(store_search_get(st, 99, &cause) == NULL);
	ASSERT_EQ_STR(cause, "search 99: no such search");
	free(cause);
	cause = NULL;

	/* store_search_best: by the objective, ties by lower trial id; n limits; 0: all. */
	a = store_search_best(st, sid, 2, &cause);
	ASSERT(a != NULL);
	ASSERT_EQ_INT(cJSON_GetArraySize(a), 2);
	o = cJSON_GetArrayItem(a, 0);
	ASSERT_EQ_INT(num(o, "trial"), tid[3]);
	ASSERT_EQ_INT(num(o, "search"), sid);
	ASSERT_EQ_INT(num(o, "number"), 3);
	ASSERT_EQ_INT(num(o, "round"), 1);
	ASSERT_EQ_STR(str(o, "metric"), "val_acc");
	ASSERT_NEAR(num(o, "objective"), 0.92, 1e-12);
	ASSERT_NEAR(num(o, "val_acc"), 0.91, 1e-12);
	ASSERT_NEAR(num(o, "best_val_acc"), 0.92, 1e-12);
	ASSERT_NEAR(num(o, "test_acc"), 0.90, 1e-12);
	ASSERT_EQ_INT(num(o, "epochs"), 3);
	ASSERT_NEAR(num(o, "seconds"), 1.5, 1e-12);
	ASSERT(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(o, "params"), params[3], 1));
	ASSERT_EQ_INT(num(cJSON_GetArrayItem(a, 1), "trial"), tid[1]);
	cJSON_Delete(a);
	a = store_search_best(st, 0, 0, &cause);
	ASSERT_EQ_INT(cJSON_GetArraySize(a), 3);
	ASSERT_EQ_INT(num(cJSON_GetArrayItem(a, 2), "trial"), tid[0]);
	cJSON_Delete(a);
	a = store_search_best(st, 77, 5, &cause);
	ASSERT_EQ_INT(cJSON_GetArraySize(a), 0);
	cJSON_Delete(a);

	/*
	 * store_event_history: events and reports in one order; an epoch event rebuilt from its
	 * report; a thin trial_start or trial_end rebuilt from its trial's row; data merged; a
	 * NULL search or trial omitted; after and limit.
	 */
	a = store_event_history(st, sid, 0, 0, &cause);
	ASSERT(a != NULL);
	ASSERT_EQ_INT(cJSON_GetArraySize(a), 4 * (1 + 3) + 4);
	for (i = 0; i < 4; i++) {
		o = cJSON_GetArrayItem(a, 4 * i);
		ASSERT_EQ_INT(num(o, "id"), start_eid[i]);
		ASSERT_EQ_STR(str(o, "event"), "trial_start");
		ASSERT_EQ_INT(num(o, "search"), sid);
		ASSERT_EQ_INT(num(o, "trial"), tid[i]);
		ASSERT_EQ_INT(num(o, "number"), i);
		ASSERT_EQ_INT(num(o, "round"), 1);
		ASSERT_EQ_STR(str(o, "time"), "2025-12-01 00:00:00.123");
		ASSERT(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(o, "params"), params[i],
		    1));
		ASSERT_EQ_INT(cJSON_GetArraySize(o), 8);
		for (k = 1; k <= 3; k++)
			check_epoch(cJSON_GetArrayItem(a, 4 * i + k), evs[i][k - 1],
			    rid[i][k - 1], sid, tid[i], i);
	}
	/* members in the order of the search's names: beta, named late, comes last */
	o = cJSON_GetArrayItem(a, 4 * 1 + 1);
	ASSERT_EQ_STR(cJSON_GetArrayItem(o, 13)->string, "beta");
	o = cJSON_GetArrayItem(a, 16);		/* trial 0's end, kept whole */
	ASSERT_EQ_INT(num(o, "id"), end_eid[0]);
	ASSERT_EQ_STR(str(o, "status"), "failed");
	ASSERT(cJSON_GetObjectItemCaseSensitive(o, "objective") == NULL);
	o = cJSON_GetArrayItem(a, 18);		/* trial 2's end, thin: from its row */
	ASSERT_EQ_INT(num(o, "id"), end_eid[2]);
	ASSERT_EQ_STR(str(o, "event"), "trial_end");
	ASSERT_EQ_INT(num(o, "number"), 2);
	ASSERT_EQ_INT(num(o, "round"), 1);
	ASSERT_EQ_STR(str(o, "status"), "diverged");
	ASSERT(is_null(o, "val_acc"));
	ASSERT_NEAR(num(o, "best_val_acc"), 0.3, 1e-12);
	ASSERT(is_null(o, "test_acc"));
	ASSERT_EQ_INT(num(o, "epochs"), 3);
	ASSERT_NEAR(num(o, "seconds"), 1.5, 1e-12);
	ASSERT_NEAR(num(o, "objective"), 0.3, 1e-12);
	ASSERT_EQ_STR(str(o, "error"), "loss is NaN");
	cJSON_Delete(a);
	a = store_event_history(st, 0, start_eid[0], 2, &cause);
	ASSERT_EQ_INT(cJSON_GetArraySize(a), 2);
	ASSERT_EQ_INT(num(cJSON_GetArrayItem(a, 0), "id"), rid[0][0]);
	ASSERT_EQ_STR(str(cJSON_GetArrayItem(a, 0), "event"), "epoch");
	cJSON_Delete(a);
	a = store_event_history(st, 0, end_eid[3], 0, &cause);
	ASSERT_EQ_INT(cJSON_GetArraySize(a), 2);
	o = cJSON_GetArrayItem(a, 0);
	ASSERT_EQ_STR(str(o, "event"), "log");
	ASSERT(cJSON_GetObjectItemCaseSensitive(o, "search") == NULL);
	ASSERT(cJSON_GetObjectItemCaseSensitive(o, "trial") == NULL);
	o = cJSON_GetArrayItem(a, 1);
	ASSERT_EQ_STR(str(o, "message"), "hello");
	ASSERT_EQ_STR(str(o, "event"), "log");		/* the event's own members win */
	ASSERT_EQ_INT(num(o, "id"), eid);
	cJSON_Delete(a);

	/*
	 * The views and the users' queries, from the second connection while the store holds
	 * an open write transaction: WAL readers do not wait ("database is locked").
	 */
	ep = json("{\"epoch\": 4, \"train_loss\": 0.1, \"val_acc\": 0.95}");
	ASSERT_EQ_INT(epoch_add(st, NULL, sid, tid[3], params[3], ep, &cause), 0);
	cJSON_Delete(ep);
	ASSERT_EQ_INT(store_pending(st), 1);
	ASSERT_EQ_INT(q_rows(db, "SELECT * FROM best_trials"), 3);
	ASSERT_EQ_INT(q_int(db, "SELECT trial_id FROM best_trials LIMIT 1"), tid[3]);
	ASSERT_EQ_INT(q_int(db, "SELECT rank FROM best_trials WHERE trial_id = %lld",
	    (long long)tid[1]), 2);
	ASSERT_EQ_INT(q_int(db, "SELECT rank FROM best_trials WHERE trial_id = %lld",
	    (long long)tid[0]), 3);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM epochs WHERE trial_id = %lld",
	    (long long)tid[3]), 3);
	ASSERT_EQ_INT(q_int(db, "SELECT done FROM search_progress WHERE search_id = %lld",
	    (long long)sid), 3);
	ASSERT_EQ_INT(q_int(db, "SELECT failed FROM search_progress WHERE search_id = %lld",
	    (long long)sid), 1);
	ASSERT_EQ_INT(q_int(db, "SELECT best_trial_id FROM search_progress"), tid[3]);
	ASSERT_EQ_INT(q_int(db, "SELECT round(best * 100) FROM search_progress"), 92);
	t = q_text(db, "SELECT objective || ' ' || goal FROM search_progress");
	ASSERT_EQ_STR(t, "val_acc max");
	free(t);
	ASSERT_EQ_INT(q_int(db, "SELECT elapsed_seconds >= 0 AND elapsed_seconds < 60 FROM "
	    "search_progress"), 1);
	snprintf(sql, sizeof sql, "select * from best_trials where search_id = %lld limit 5",
	    (long long)sid);
	ASSERT_EQ_INT(q_rows(db, sql), 3);
	snprintf(sql, sizeof sql, "select floor(log10(json_extract(params, '$.alpha'))) as "
	    "decade, count(*), max(objective), avg(objective) from trials where search_id = %lld "
	    "and status = 'done' group by decade", (long long)sid);
	ASSERT_EQ_INT(q_rows(db, sql), 3);	/* decades -4, -3, -2 */
	snprintf(sql, sizeof sql, "select cast(substr(printf('%%e', value), instr(printf('%%e', "
	    "value), 'e') + 1) as integer) as decade, count(*), max(val_acc), avg(val_acc) from "
	    "trials join trial_params on trial_id = id where search_id = %lld and status = 'done' "
	    "and name = 'alpha' group by decade", (long long)sid);
	ASSERT_EQ_INT(q_rows(db, sql), 3);
	ASSERT_EQ_INT(q_int(db, "select min(decade) from (select cast(substr(printf('%%e', "
	    "value), instr(printf('%%e', value), 'e') + 1) as integer) as decade from "
	    "trial_params where name = 'alpha')"), -4);
	snprintf(sql, sizeof sql, "select epoch, train_loss, val_loss, val_acc, alpha from epochs "
	    "where trial_id = %lld order by epoch", (long long)tid[0]);
	ASSERT_EQ_INT(q_rows(db, sql), 3);
	snprintf(sql, sizeof sql, "select epoch, name, value from report_values where trial_id = "
	    "%lld and undone is null order by epoch, name", (long long)tid[0]);
	ASSERT_EQ_INT(q_rows(db, sql), 24);
	ASSERT_EQ_INT(store_flush(st, &cause), 0);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM epochs WHERE trial_id = %lld",
	    (long long)tid[3]), 4);

	/*
	 * Re-adding (search, number) resets the trial: same id and hyperparameters (its
	 * reports read them back), results gone, reports undone.
	 */
	p = json("{\"alpha\": 0.004, \"optimizer\": \"rmsprop\"}");
	ASSERT_EQ_INT(store_trial_add(st, &again, sid, 0, 2, p, &cause), 0);
	ASSERT_EQ_INT(again, tid[0]);
	ASSERT_EQ_INT(store_pending(st), 2);
	ASSERT_EQ_INT(store_flush(st, &cause), 0);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM trials"), 4);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM epochs WHERE trial_id = %lld",
	    (long long)tid[0]), 0);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM reports WHERE trial_id = %lld AND "
	    "undone = 1", (long long)tid[0]), 3);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM trial_params WHERE trial_id = %lld",
	    (long long)tid[0]), 5);
	ASSERT_EQ_INT(q_int(db, "SELECT status = 'running' AND round = 2 AND val_acc IS NULL AND "
	    "objective IS NULL AND best_val_acc IS NULL AND epochs IS NULL AND finished_at IS NULL "
	    "AND exit_status IS NULL FROM trials WHERE id = %lld", (long long)tid[0]), 1);
	o = store_search_get(st, sid, &cause);
	tr = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "trials"), 0);
	ASSERT(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(tr, "params"), params[0], 1));
	ASSERT_EQ_INT(num(cJSON_GetObjectItemCaseSensitive(o, "counts"), "running"), 1);
	cJSON_Delete(o);
	cJSON_Delete(p);
	ASSERT_EQ_INT(q_rows(db, "SELECT * FROM best_trials"), 2);
	/* its history still says what watchers were sent then */
	a = store_event_history(st, sid, start_eid[0], 1, &cause);
	check_epoch(cJSON_GetArrayItem(a, 0), evs[0][0], rid[0][0], sid, tid[0], 0);
	cJSON_Delete(a);

	/* Failed writes report what failed and leave the store usable. */
	ep = json("{\"epoch\": 1, \"val_acc\": 0.5}");
	ASSERT_EQ_INT(epoch_add(st, NULL, sid, 424242, params[1], ep, &cause), -EINVAL);
	ASSERT_STR_CONTAINS(cause, "store: insert report: FOREIGN KEY constraint failed");
	free(cause);
	cause = NULL;
	cJSON_Delete(ep);
	ep = json("{\"val_acc\": 0.5}");
	ASSERT_EQ_INT(epoch_add(st, NULL, sid, tid[1], params[1], ep, &cause), -EINVAL);
	ASSERT_STR_CONTAINS(cause, "epoch");
	free(cause);
	cause = NULL;
	cJSON_Delete(ep);
	ASSERT_EQ_INT(store_trial_add(st, &again, 4242, 0, 1, params[0], &cause), -EINVAL);
	ASSERT_STR_CONTAINS(cause, "store: insert trial: FOREIGN KEY constraint failed");
	free(cause);
	cause = NULL;
	ASSERT_EQ_INT(store_search_status(st, 4242, SEARCH_DONE, &cause), -ENOENT);
	free(cause);
	cause = NULL;
	ASSERT_EQ_INT(store_trial_add(st, &again, sid, 9, 1, params[0], &cause), 0);
	ASSERT_EQ_INT(store_pending(st), 1);
	ASSERT_EQ_INT(store_flush(st, &cause), 0);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM trials"), 5);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM trials WHERE search_id = 4242"), 0);

	/* Search status and the unfinished searches. */
	ASSERT_EQ_INT(store_search_add(st, &sid2, "second", "panda", "coarse-to-fine", "{}", NULL,
	    10, 1, &cause), 0);
	ASSERT_EQ_INT(store_search_unfinished(st, &ids, &n, &cause), 0);
	ASSERT_EQ_INT(n, 2);
	ASSERT_EQ_INT(ids[0], sid);
	ASSERT_EQ_INT(ids[1], sid2);
	free(ids);
	ASSERT_EQ_INT(store_search_status(st, sid, SEARCH_DONE, &cause), 0);
	ASSERT_EQ_INT(store_search_unfinished(st, &ids, &n, &cause), 0);
	ASSERT_EQ_INT(n, 1);
	ASSERT_EQ_INT(ids[0], sid2);
	free(ids);
	a = store_search_list(st, &cause);
	ASSERT_EQ_INT(cJSON_GetArraySize(a), 2);
	o = cJSON_GetArrayItem(a, 0);
	ASSERT_EQ_STR(str(o, "status"), "done");
	check_time(str(o, "finished_at"));
	o = cJSON_GetArrayItem(a, 1);
	ASSERT_EQ_INT(num(o, "id"), sid2);
	ASSERT(is_null(o, "best"));
	ASSERT(is_null(o, "best_trial"));
	ASSERT_EQ_INT(num(cJSON_GetObjectItemCaseSensitive(o, "counts"), "done"), 0);
	cJSON_Delete(a);
	o = store_search_get(st, sid2, &cause);	/* integer labels: no class names */
	ASSERT(o != NULL && cJSON_GetObjectItemCaseSensitive(o, "class_names") == NULL);
	cJSON_Delete(o);
	ASSERT_EQ_INT(store_search_status(st, sid2, SEARCH_RUNNING, &cause), 0);
	ASSERT_EQ_INT(store_flush(st, &cause), 0);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM searches WHERE finished_at IS NULL"), 1);
	/* best_trials ranks each search's trials on their own. */
	ASSERT_EQ_INT(store_trial_add(st, &again, sid2, 0, 1, params[2], &cause), 0);
	ep = json("{\"epoch\": 1, \"val_acc\": 0.5}");
	ASSERT_EQ_INT(epoch_add(st, NULL, sid2, again, params[2], ep, &cause), 0);
	cJSON_Delete(ep);
	ASSERT_NEAR(finish(st, sid2, again, "done", 0.5, 0.5), 0.5, 1e-12);
	ASSERT_EQ_INT(store_flush(st, &cause), 0);
	ASSERT_EQ_INT(q_int(db, "SELECT trial_id FROM best_trials WHERE search_id = %lld AND "
	    "rank = 1", (long long)sid2), again);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM best_trials WHERE rank = 1"), 2);

	/* Close commits what is pending; reopen sees everything and goes on with the ids. */
	ASSERT_EQ_INT(store_event_add(st, &eid, sid2, 0, "search_end", T0, NULL, &cause), 0);
	store_close(st);
	ASSERT_EQ_INT(store_open(&st, path, &cause), 0);
	a = store_event_history(st, sid2, 0, 0, &cause);
	ASSERT_EQ_INT(cJSON_GetArraySize(a), 2);
	ASSERT_EQ_STR(str(cJSON_GetArrayItem(a, 0), "event"), "epoch");
	ASSERT_EQ_INT(num(cJSON_GetArrayItem(a, 1), "id"), eid);
	cJSON_Delete(a);
	ASSERT_EQ_INT(store_last_id(st, &last, &cause), 0);
	ASSERT_EQ_INT(last, eid);
	ASSERT_EQ_INT(event_add(st, sid2, 0, "log", NULL, &cause), 0);
	ASSERT_EQ_INT(store_last_id(st, &last, &cause), 0);
	ASSERT_EQ_INT(last, eid + 1);
	store_close(st);

	sqlite3_close(db);
	for (i = 0; i < 4; i++) {
		cJSON_Delete(params[i]);
		for (k = 0; k < 3; k++)
			cJSON_Delete(evs[i][k]);
	}
	free(path);
}

/*
 * Reports beyond the usual: a panda rollback (both epochs kept, the one rolled back undone),
 * a trial run on from a checkpoint, more names than slots, a name first seen late, a null for
 * a name the trial has a hyperparameter of, an objective to minimize and one never reported.
 */
static void
test_reports(void)
{
	char *path = db_path("reports.db"), *cause = NULL, *t, text[2048];
	struct store *st;
	sqlite3 *db;
	cJSON *params, *ep, *a, *o;
	int64_t sid, tid[3], r5, r5b, r1, id;
	int i, k;

	ASSERT_EQ_INT(store_open(&st, path, &cause), 0);
	db = db2_open(path);
	ASSERT_EQ_INT(store_search_add(st, &sid, "babysit", "panda", "random",
	    "{\"objective\": {\"metric\": \"val_loss\", \"goal\": \"min\"}}", NULL, 3, 1,
	    &cause), 0);
	params = json("{\"alpha\": 0.01, \"layers\": 2}");
	for (i = 0; i < 3; i++)
		ASSERT_EQ_INT(store_trial_add(st, &tid[i], sid, i, 1, params, &cause), 0);

	/* Trial 0: epochs 1…5, rolled back to 3, then 4 and 5 again with other numbers. */
	for (k = 1; k <= 5; k++) {
		snprintf(text, sizeof text, "{\"epoch\": %d, \"val_loss\": %g, \"alpha\": 0.01}", k,
		    1.0 - 0.1 * k);
		ep = json(text);
		ASSERT_EQ_INT(epoch_add(st, k == 5 ? &r5 : NULL, sid, tid[0], params, ep, &cause),
		    0);
		cJSON_Delete(ep);
	}
	ASSERT_EQ_INT(store_trial_rollback(st, tid[0], 3, &cause), 0);
	for (k = 4; k <= 5; k++) {
		snprintf(text, sizeof text, "{\"epoch\": %d, \"val_loss\": %g, \"alpha\": 0.005}",
		    k, 0.8 - 0.01 * k);
		ep = json(text);
		ASSERT_EQ_INT(epoch_add(st, k == 5 ? &r5b : NULL, sid, tid[0], params, ep, &cause),
		    0);
		cJSON_Delete(ep);
	}
	/* the objective counts the epochs that stand: min(0.9 … 0.7, 0.76, 0.75) */
	ASSERT_NEAR(finish_as(st, sid, tid[0], "done", 0.8, 0.8, &min_loss), 0.7, 1e-12);
	ASSERT_EQ_INT(store_flush(st, &cause), 0);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM reports WHERE trial_id = %lld",
	    (long long)tid[0]), 7);
	ASSERT_EQ_INT(q_int(db, "SELECT group_concat(epoch, '') FROM reports WHERE trial_id = "
	    "%lld AND undone = 1", (long long)tid[0]), 45);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM epochs WHERE trial_id = %lld",
	    (long long)tid[0]), 5);
	t = q_text(db, "SELECT val_loss || ' ' || alpha FROM epochs WHERE trial_id = %lld AND "
	    "epoch = 5", (long long)tid[0]);
	ASSERT_EQ_STR(t, "0.75 0.005");
	free(t);
	/* both epoch-5 events in the history, as they were sent */
	a = store_event_history(st, sid, r5 - 1, 0, &cause);
	ASSERT_EQ_INT(cJSON_GetArraySize(a), 3);	/* 5, then 4 and 5 again, nothing else */
	o = cJSON_GetArrayItem(a, 0);
	ASSERT_EQ_INT(num(o, "id"), r5);
	ASSERT_NEAR(num(o, "val_loss"), 0.5, 1e-12);
	ASSERT_NEAR(num(o, "alpha"), 0.01, 1e-15);
	o = cJSON_GetArrayItem(a, 2);
	ASSERT_EQ_INT(num(o, "id"), r5b);
	ASSERT_NEAR(num(o, "val_loss"), 0.75, 1e-12);
	ASSERT_NEAR(num(o, "alpha"), 0.005, 1e-15);
	cJSON_Delete(a);

	/* Run on from the checkpoint of epoch 4: running, epoch 5 undone. */
	ASSERT_EQ_INT(store_trial_continue(st, tid[0], 4, &cause), 0);
	ASSERT_EQ_INT(store_flush(st, &cause), 0);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM epochs WHERE trial_id = %lld",
	    (long long)tid[0]), 4);
	ASSERT_EQ_INT(q_int(db, "SELECT status = 'running' AND finished_at IS NULL FROM trials "
	    "WHERE id = %lld", (long long)tid[0]), 1);
	ASSERT_NEAR(finish_as(st, sid, tid[0], "done", 0.8, 0.8, &min_loss), 0.7, 1e-12);

	/*
	 * Trial 1: 14 names (2 past the slots, in `more`), "late" first at epoch 2, and alpha
	 * null at epoch 3 (NULL would read back as its hyperparameter: it goes in `more`).
	 */
	for (k = 1; k <= 3; k++) {
		int off = snprintf(text, sizeof text, "{\"epoch\": %d", k);

		for (i = 0; i < 13; i++)
			off += snprintf(text + off, sizeof text - (size_t)off, ", \"m%02d\": %d",
			    i, 100 * k + i);
		snprintf(text + off, sizeof text - (size_t)off, "%s%s}",
		    k >= 2 ? ", \"late\": 7" : "", k == 3 ? ", \"alpha\": null" :
		    ", \"alpha\": 0.01");
		ep = json(text);
		ASSERT_EQ_INT(epoch_add(st, k == 1 ? &r1 : NULL, sid, tid[1], params, ep, &cause),
		    0);
		a = store_event_history(st, sid, r1 - 1 + (k - 1) , 1, &cause);
		check_epoch(cJSON_GetArrayItem(a, 0), ep, r1 + k - 1, sid, tid[1], 1);
		cJSON_Delete(a);
		cJSON_Delete(ep);
	}
	ASSERT_EQ_INT(store_flush(st, &cause), 0);
	/* slots: val_loss, alpha (trial 0), m00 … m09; then more */
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM metrics WHERE search_id = %lld",
	    (long long)sid), 12);
	t = q_text(db, "SELECT more FROM reports WHERE id = %lld", (long long)r1);
	ASSERT_EQ_STR(t, "{\"m10\":110,\"m11\":111,\"m12\":112}");
	free(t);
	t = q_text(db, "SELECT more FROM reports WHERE id = %lld", (long long)r1 + 2);
	ASSERT_EQ_STR(t, "{\"m10\":310,\"m11\":311,\"m12\":312,\"late\":7,\"alpha\":null}");
	free(t);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM report_values WHERE trial_id = %lld AND "
	    "epoch = 1", (long long)tid[1]), 14);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM report_values WHERE trial_id = %lld AND "
	    "epoch = 3", (long long)tid[1]), 15);
	ASSERT_EQ_INT(q_int(db, "SELECT value FROM report_values WHERE trial_id = %lld AND "
	    "epoch = 3 AND name = 'm12'", (long long)tid[1]), 312);
	ASSERT_EQ_INT(q_int(db, "SELECT value IS NULL FROM report_values WHERE trial_id = %lld "
	    "AND epoch = 3 AND name = 'alpha'", (long long)tid[1]), 1);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM epochs WHERE trial_id = %lld AND alpha IS "
	    "NULL", (long long)tid[1]), 1);
	/* an objective on a name past the slots */
	{
		struct store_objective m12 = { "m12", false }, late = { "late", true };

		ASSERT_NEAR(finish_as(st, sid, tid[1], "done", 0.5, 0.5, &m12), 312, 1e-12);
		ASSERT_NEAR(finish_as(st, sid, tid[1], "done", 0.5, 0.5, &late), 7, 1e-12);
	}

	/* A name first seen after its slot was taken: earlier reports do not carry it. */
	ep = json("{\"epoch\": 1, \"val_loss\": 0.3}");
	ASSERT_EQ_INT(epoch_add(st, &id, sid, tid[2], params, ep, &cause), 0);
	cJSON_Delete(ep);
	a = store_event_history(st, sid, id - 1, 1, &cause);
	o = cJSON_GetArrayItem(a, 0);
	ASSERT_EQ_INT(cJSON_GetArraySize(o), 8);	/* id … epoch, val_loss, number */
	ASSERT(cJSON_GetObjectItemCaseSensitive(o, "m00") == NULL);
	cJSON_Delete(a);
	a = store_event_history(st, sid, 0, 1, &cause);	/* trial 0's first: no m00 */
	ASSERT(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(a, 0), "m00") == NULL);
	ASSERT_EQ_INT(cJSON_GetArraySize(cJSON_GetArrayItem(a, 0)), 9);
	cJSON_Delete(a);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM report_values WHERE trial_id = %lld",
	    (long long)tid[0]), 14);

	/* Minimized: best first is the lowest; a trial with no such metric has no objective. */
	ASSERT_NEAR(finish_as(st, sid, tid[2], "done", 0.1, 0.1, &min_loss), 0.3, 1e-12);
	ASSERT(isnan(finish_as(st, sid, tid[1], "done", 0.5, 0.5, &min_loss)));
	ASSERT_EQ_INT(store_flush(st, &cause), 0);
	a = store_search_best(st, sid, 0, &cause);
	ASSERT_EQ_INT(cJSON_GetArraySize(a), 2);
	ASSERT_EQ_INT(num(cJSON_GetArrayItem(a, 0), "trial"), tid[2]);
	ASSERT_EQ_INT(num(cJSON_GetArrayItem(a, 1), "trial"), tid[0]);
	cJSON_Delete(a);
	a = store_search_list(st, &cause);
	o = cJSON_GetArrayItem(a, 0);
	ASSERT_NEAR(num(o, "best"), 0.3, 1e-12);
	ASSERT_EQ_INT(num(o, "best_trial"), tid[2]);
	ASSERT_EQ_STR(str(cJSON_GetObjectItemCaseSensitive(o, "objective"), "goal"), "min");
	cJSON_Delete(a);
	ASSERT_EQ_INT(q_int(db, "SELECT trial_id FROM best_trials WHERE rank = 1"), tid[2]);
	ASSERT_EQ_INT(q_int(db, "SELECT rank FROM best_trials WHERE trial_id = %lld",
	    (long long)tid[0]), 2);
	ASSERT_EQ_INT(q_int(db, "SELECT best_trial_id FROM search_progress"), tid[2]);

	/* ASHA's rung: the values at one epoch, of the reports that stand. */
	{
		double *vals;
		int n;

		ASSERT_EQ_INT(store_report_rung(st, sid, 5, "val_loss", &vals, &n, &cause), 0);
		ASSERT_EQ_INT(n, 0);	/* trial 0's epoch 5s are both undone */
		free(vals);
		ASSERT_EQ_INT(store_report_rung(st, sid, 1, "val_loss", &vals, &n, &cause), 0);
		ASSERT_EQ_INT(n, 2);
		ASSERT_NEAR(vals[0], 0.9, 1e-12);
		ASSERT_NEAR(vals[1], 0.3, 1e-12);
		free(vals);
		ASSERT_EQ_INT(store_report_rung(st, sid, 2, "alpha", &vals, &n, &cause), 0);
		ASSERT_EQ_INT(n, 2);	/* read back from the params */
		ASSERT_NEAR(vals[0], 0.01, 1e-15);
		free(vals);
		ASSERT_EQ_INT(store_report_rung(st, sid, 1, "nothing", &vals, &n, &cause), 0);
		ASSERT_EQ_INT(n, 0);
		free(vals);
	}
	sqlite3_close(db);
	store_close(st);
	cJSON_Delete(params);
	free(path);
}

/* The kernel id of a trial, 0 for NULL. */
static long long
kernel_of(sqlite3 *db, int64_t trial)
{
	return q_int(db, "SELECT coalesce(kernel_id, 0) FROM trials WHERE id = %lld",
	    (long long)trial);
}

/*
 * The BLAS kernel of each trial: a (core, why) stored once, shared by the trials on it; another
 * why, another row; NULL when never said (and when the trial is run again); read back in the
 * search's status; a row written but rolled back is not remembered.
 */
static void
test_kernels(void)
{
	static const char *const chose = "OpenBLAS chose Prescott; SkylakeX verified, 4.9× "
	    "faster at the trainer's shapes: using it";
	static const char *const user = "set by the user (OPENBLAS_CORETYPE=SkylakeX)";
	char *path = db_path("kernels.db"), *cause = NULL, *t;
	const cJSON *tr, *k;
	struct store *st;
	cJSON *params, *o;
	int64_t sid, tid[7], again;
	sqlite3 *db;
	int i;

	ASSERT_EQ_INT(store_open(&st, path, &cause), 0);
	params = json("{\"alpha\": 0.01}");
	ASSERT_EQ_INT(store_search_add(st, &sid, "k", "caviar", "random", "{}", NULL, 7, 2,
	    &cause), 0);
	for (i = 0; i < 7; i++)
		ASSERT_EQ_INT(store_trial_add(st, &tid[i], sid, i, 1, params, &cause), 0);
	ASSERT_EQ_INT(store_flush(st, &cause), 0);

	/* Two trials on one kernel share its row: the second is one row written, the UPDATE. */
	ASSERT_EQ_INT(store_trial_kernel(st, tid[0], "SkylakeX", chose, &cause), 0);
	ASSERT_EQ_INT(store_pending(st), 2);		/* the kernel and the trial */
	ASSERT_EQ_INT(store_trial_kernel(st, tid[1], "SkylakeX", chose, &cause), 0);
	ASSERT_EQ_INT(store_pending(st), 3);
	/* another why: another row; the first kernel again: its row, found */
	ASSERT_EQ_INT(store_trial_kernel(st, tid[2], "SkylakeX", user, &cause), 0);
	ASSERT_EQ_INT(store_trial_kernel(st, tid[3], "SkylakeX", chose, &cause), 0);
	/* no why said: '' */
	ASSERT_EQ_INT(store_trial_kernel(st, tid[4], "Haswell", NULL, &cause), 0);
	ASSERT_EQ_INT(store_pending(st), 8);
	/* no such trial: refused, on the remembered kernel and on a new one (not kept) */
	ASSERT_EQ_INT(store_trial_kernel(st, 999, "Haswell", "", &cause), -ENOENT);
	ASSERT_STR_CONTAINS(cause, "trial 999: no such trial");
	free(cause);
	cause = NULL;
	ASSERT_EQ_INT(store_trial_kernel(st, 999, "Zen", "a new one", &cause), -ENOENT);
	free(cause);
	cause = NULL;
	ASSERT_EQ_INT(store_pending(st), 8);
	ASSERT_EQ_INT(store_flush(st, &cause), 0);

	db = db2_open(path);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM kernels"), 3);
	ASSERT(kernel_of(db, tid[0]) != 0);
	ASSERT_EQ_INT(kernel_of(db, tid[1]), kernel_of(db, tid[0]));
	ASSERT_EQ_INT(kernel_of(db, tid[3]), kernel_of(db, tid[0]));
	ASSERT(kernel_of(db, tid[2]) != 0 && kernel_of(db, tid[2]) != kernel_of(db, tid[0]));
	ASSERT_EQ_INT(kernel_of(db, tid[5]), 0);	/* never said */
	t = q_text(db, "SELECT why FROM kernels WHERE id = %lld", kernel_of(db, tid[0]));
	ASSERT_EQ_STR(t, chose);
	free(t);
	t = q_text(db, "SELECT core || '|' || why || '|' || typeof(why) FROM kernels "
	    "WHERE id = %lld", kernel_of(db, tid[4]));
	ASSERT_EQ_STR(t, "Haswell||text");
	free(t);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM kernels WHERE core = 'Zen'"), 0);
	/* the view: a row per trial with a kernel */
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM trial_kernels WHERE search_id = %lld",
	    (long long)sid), 5);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM trial_kernels WHERE search_id = %lld AND "
	    "core = 'SkylakeX' AND why = '%s'", (long long)sid, user), 1);

	/* The status reply: each trial's core (null when not said), the kernels once each. */
	o = store_search_get(st, sid, &cause);
	ASSERT(o != NULL);
	i = 0;
	cJSON_ArrayForEach(tr, cJSON_GetObjectItemCaseSensitive(o, "trials")) {
		if (i <= 3)
			ASSERT_EQ_STR(str(tr, "kernel"), "SkylakeX");
		else if (i == 4)
			ASSERT_EQ_STR(str(tr, "kernel"), "Haswell");
		else
			ASSERT(is_null(tr, "kernel"));
		i++;
	}
	ASSERT_EQ_INT(i, 7);
	k = cJSON_GetObjectItemCaseSensitive(o, "kernels");
	ASSERT_EQ_INT(cJSON_GetArraySize(k), 3);
	ASSERT_EQ_STR(str(cJSON_GetArrayItem(k, 0), "core"), "SkylakeX");
	ASSERT_EQ_STR(str(cJSON_GetArrayItem(k, 0), "why"), chose);
	ASSERT_EQ_INT(num(cJSON_GetArrayItem(k, 0), "trials"), 3);
	ASSERT_EQ_STR(str(cJSON_GetArrayItem(k, 1), "why"), user);
	ASSERT_EQ_INT(num(cJSON_GetArrayItem(k, 1), "trials"), 1);
	ASSERT_EQ_STR(str(cJSON_GetArrayItem(k, 2), "core"), "Haswell");
	ASSERT_EQ_STR(str(cJSON_GetArrayItem(k, 2), "why"), "");
	cJSON_Delete(o);

	/*
	 * A kernel written, then rolled back (the daemon suspends): its row is gone and not
	 * remembered, so the same kernel again is written again (a stale id would break the
	 * foreign key).
	 */
	ASSERT_EQ_INT(store_trial_kernel(st, tid[5], "Cooperlake", chose, &cause), 0);
	store_hold(st, "test");
	store_release(st);
	ASSERT_EQ_INT(store_trial_kernel(st, tid[6], "Cooperlake", chose, &cause), 0);
	ASSERT_EQ_INT(store_flush(st, &cause), 0);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM kernels WHERE core = 'Cooperlake'"), 1);
	ASSERT_EQ_INT(kernel_of(db, tid[5]), 0);
	ASSERT(kernel_of(db, tid[6]) != 0);

	/* A trial run again is on no kernel until its new run names one. */
	ASSERT_EQ_INT(store_trial_add(st, &again, sid, 0, 1, params, &cause), 0);
	ASSERT_EQ_INT(again, tid[0]);
	ASSERT_EQ_INT(store_flush(st, &cause), 0);
	ASSERT_EQ_INT(kernel_of(db, tid[0]), 0);
	ASSERT_EQ_INT(q_rows(db, "PRAGMA foreign_key_check"), 0);
	sqlite3_close(db);
	store_close(st);
	cJSON_Delete(params);
	free(path);
}

/* Disk full (RLIMIT_FSIZE, in a child): the flush fails with a message, the store lives on. */
static void
test_full(void)
{
	char *path = db_path("full.db"), *cause = NULL;
	struct store *st;
	struct rlimit rl;
	rlim_t old;
	cJSON *params, *ep;
	int64_t sid, id;
	pid_t pid;
	int i, err, status;

	pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		ASSERT_EQ_INT(store_open(&st, path, &cause), 0);
		ASSERT_EQ_INT(store_search_add(st, &sid, "full", "caviar", "random", "{}", NULL, 10, 1,
		    &cause), 0);
		ASSERT_EQ_INT(store_flush(st, &cause), 0);
		ASSERT(getrlimit(RLIMIT_FSIZE, &rl) == 0);
		old = rl.rlim_cur;
		rl.rlim_cur = 256 * 1024;
		ASSERT(setrlimit(RLIMIT_FSIZE, &rl) == 0);
		params = json("{\"alpha\": 0.001, \"optimizer\": \"adam\"}");
		ep = json("{\"epoch\": 1, \"train_loss\": 0.5, \"val_acc\": 0.7}");
		err = 0;
		for (i = 0; i < 20000 && err == 0; i++) {
			err = store_trial_add(st, &id, sid, i, 1, params, &cause);
			if (err == 0)
				err = epoch_add(st, NULL, sid, id, params, ep, &cause);
		}
		if (err == 0)
			err = store_flush(st, &cause);
		if (err != -ENOSPC && err != -EIO)
			fprintf(stderr, "full: err %d: %s\n", err, cause ? cause : "");
		ASSERT(err == -ENOSPC || err == -EIO);
		fprintf(stderr, "test_full: %s\n", cause);
		ASSERT_STR_CONTAINS(cause, "store: ");
		/* the cause named: SQLite's errno, else what store_why saw */
		ASSERT(strstr(cause, "File too large") != NULL ||
		    strstr(cause, "file-size limit") != NULL);
		free(cause);
		cause = NULL;

		/* Held (the daemon suspends): nothing pending, every write refused with why. */
		store_hold(st, "disk full");
		ASSERT_EQ_INT(store_pending(st), 0);
		ASSERT_EQ_INT(store_trial_add(st, &id, sid, 29999, 1, params, &cause), -EAGAIN);
		ASSERT_STR_CONTAINS(cause, "writes held: disk full");
		free(cause);
		cause = NULL;
		ASSERT_EQ_INT(store_flush(st, &cause), 0);

		/* Space comes back: the store works again. */
		rl.rlim_cur = old;
		ASSERT(setrlimit(RLIMIT_FSIZE, &rl) == 0);
		store_release(st);
		err = store_flush(st, &cause);
		if (err != 0) {
			fprintf(stderr, "test_full: flush again: %s\n", cause);
			free(cause);
			cause = NULL;
		}
		ASSERT_EQ_INT(store_flush(st, &cause), 0);
		ASSERT_EQ_INT(store_trial_add(st, &id, sid, 30000, 1, params, &cause), 0);
		ASSERT_EQ_INT(epoch_add(st, NULL, sid, id, params, ep, &cause), 0);
		ASSERT_EQ_INT(store_flush(st, &cause), 0);
		cJSON_Delete(ep);
		ep = store_search_get(st, sid, &cause);
		ASSERT(ep != NULL);
		cJSON_Delete(ep);
		cJSON_Delete(params);
		store_close(st);
		_exit(0);
	}
	ASSERT(waitpid(pid, &status, 0) == pid);
	ASSERT(WIFEXITED(status));
	ASSERT_EQ_INT(WEXITSTATUS(status), 0);
	free(path);
}

/* Seconds on the monotonic clock. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * Insert-rate smoke: 2000 trials × (10 params, a kernel, 10 epochs, a start and an end event),
 * a flush per 500, as the engine writes them; then the reads of tuna status and tuna best.
 */
static void
test_rate(void)
{
	static const char *const names[10] = {
		"alpha", "beta", "beta1", "beta2", "epsilon", "lr_decay", "bn_momentum",
		"layers", "hidden_units", "batch_size"
	};
	char *path = db_path("rate.db"), *cause = NULL, text[256];
	struct store_result r = {
		.status = TRIAL_DONE, .val_loss = 0.4, .best_val_acc = 0.9, .test_acc = 0.88,
		.test_loss = 0.41, .seconds = 12.5, .epochs = 10, .exit_status = 0
	};
	struct store *st;
	cJSON *params, *epochs[10], *data;
	double t0, secs, flush_secs = 0, t1, objective;
	int64_t sid, id, eid;
	int i, k, rows = 0;
	sqlite3 *db;

	ASSERT_EQ_INT(store_open(&st, path, &cause), 0);
	for (k = 0; k < 10; k++) {
		snprintf(text, sizeof text, "{\"epoch\": %d, \"train_loss\": %g, "
		    "\"train_acc\": %g, \"val_loss\": %g, \"val_acc\": %g, \"alpha\": 0.001, "
		    "\"beta1\": 0.9, \"seconds\": 1.25}", k + 1, 1.0 / (k + 1), 0.8,
		    1.1 / (k + 1), 0.5 + 0.01 * k);
		epochs[k] = json(text);
	}
	data = json("{\"resume_epoch\": 3}");
	ASSERT_EQ_INT(store_search_add(st, &sid, "rate", "caviar", "random", "{}", NULL, 2000, 8,
	    &cause), 0);
	t0 = now();
	for (i = 0; i < 2000; i++) {
		params = cJSON_CreateObject();
		for (k = 0; k < 10; k++)
			cJSON_AddNumberToObject(params, names[k], k < 7 ? 1e-3 * (i + 1) : 64);
		ASSERT_EQ_INT(store_trial_add(st, &id, sid, i, 1, params, &cause), 0);
		ASSERT_EQ_INT(store_event_add(st, &eid, sid, id, "trial_start", T0,
		    i % 2 ? data : NULL, &cause), 0);
		ASSERT_EQ_INT(store_trial_kernel(st, id, "SkylakeX", "verified, 4.9× faster",
		    &cause), 0);
		for (k = 0; k < 10; k++)
			ASSERT_EQ_INT(epoch_add(st, NULL, sid, id, params, epochs[k], &cause), 0);
		cJSON_Delete(params);
		r.val_acc = 0.5 + (i % 100) * 0.004;
		ASSERT_EQ_INT(store_trial_finish(st, sid, id, &r, &max_acc, &objective, &cause), 0);
		ASSERT_NEAR(objective, 0.59, 1e-12);
		ASSERT_EQ_INT(store_event_add(st, &eid, sid, id, "trial_end", T0, NULL, &cause), 0);
		if ((i + 1) % 500 == 0) {
			rows += store_pending(st);
			t1 = now();
			ASSERT_EQ_INT(store_flush(st, &cause), 0);
			flush_secs += now() - t1;
		}
	}
	secs = now() - t0;
	/* the kernel: its row once, then one UPDATE a trial */
	ASSERT_EQ_INT(rows, 1 + 7 + 2000 * (1 + 1 + 10 + 2 + 1) + 1);
	printf("store: %d trials (%d rows) in %.3f s: %.0f trials/s, %.0f rows/s "
	    "(commits %.3f s)\n", 2000, rows, secs, 2000 / secs, rows / secs, flush_secs);
	db = db2_open(path);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM reports"), 20000);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM epochs"), 20000);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM events"), 4000);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM trial_params"), 20000);
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM kernels"), 1);
	ASSERT_EQ_INT(q_int(db, "SELECT count(kernel_id) FROM trials"), 2000);
	/* trial 0's alpha is its hyperparameter: NULL in its reports */
	ASSERT_EQ_INT(q_int(db, "SELECT count(*) FROM reports WHERE v4 IS NULL"), 10);
	sqlite3_close(db);
	t1 = now();
	cJSON_Delete(store_search_get(st, sid, &cause));
	cJSON_Delete(store_search_best(st, sid, 10, &cause));
	cJSON_Delete(store_search_list(st, &cause));
	printf("store: status + best of 2000 trials in %.3f s\n", now() - t1);
	store_close(st);
	for (k = 0; k < 10; k++)
		cJSON_Delete(epochs[k]);
	cJSON_Delete(data);
	free(path);
}

/* Run every test in a fresh temporary directory. */
int
main(void)
{
	tmp = tu_mkdtemp("test_store");
	test_open();
	test_upgrade();
	test_store();
	test_reports();
	test_kernels();
	test_full();
	test_rate();
	tu_rmtree(tmp);
	free(tmp);
	printf("store: ok\n");
	return 0;
}
