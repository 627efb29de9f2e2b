/*
 * store.c: the SQLite store. store_open applies the missing migrations (sql/NNN-*.sql,
 * embedded as sql_migrations[]) and prepares every statement once; writes then run inside one
 * BEGIN IMMEDIATE transaction that store_flush commits, and the reads build the JSON of the
 * status, best and watch replies. A write made of several statements (a trial and its
 * parameters) is wrapped in a savepoint, so a failure leaves no half-written trial behind.
 * Layer: part
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <sqlite3.h>

#include "store.h"
#include "xmalloc.h"

/* The migrations, generated from sql/NNN-*.sql by sql/embed.py; NULL-terminated. */
extern const char *const sql_migrations[];

#define STORE_NOW	"strftime('%Y-%m-%d %H:%M:%f', 'now')"
#define STORE_BUSY_MS	5000
#define STORE_CACHE_KB	4096	/* page cache: bounds the daemon's RSS; ample for 50 ms of writes */
#define STORE_BUF	8192	/* compact JSON of params and event data, when it fits */

enum store_stmt {
	S_BEGIN,
	S_COMMIT,
	S_SAVEPOINT,
	S_RELEASE,
	S_ROLLBACK_TO,
	S_SEARCH_ADD,
	S_SEARCH_STATUS,
	S_TRIAL_FIND,
	S_TRIAL_ADD,
	S_TRIAL_RESET,
	S_TRIAL_CLEAR_EPOCHS,
	S_TRIAL_CLEAR_PARAMS,
	S_PARAM_ADD,
	S_TRIAL_FINISH,
	S_EPOCH_ADD,
	S_EVENT_ADD,
	S_SEARCHES,
	S_SEARCH,
	S_SEARCH_TRIALS,
	S_BEST_ALL,
	S_BEST_ONE,
	S_EVENTS_ALL,
	S_EVENTS_ONE,
	S_UNFINISHED,
	S_ROUND_ADD,
	S_ROUNDS,
	S_TRIAL_CONTINUE,
	S_EPOCHS_AFTER,
	S_RUNG_VALUES,
	S_COUNT
};

/*
 * A search with its trial counts (one per trial status, in status.h's order: store_open puts
 * them where STORE_COUNTS is) and its best trial; S_SEARCHES and S_SEARCH add the tail.
 */
#define STORE_COUNTS "%s"
#define STORE_SEARCH_SELECT						\
	"SELECT s.id, s.name, s.mode, s.strategy, s.status, s.trials, s.parallel, "	\
	"s.created_at, s.finished_at, " STORE_COUNTS				\
	"max(t.val_acc) FILTER (WHERE t.status = 'done'), "			\
	"(SELECT b.id FROM trials b WHERE b.search_id = s.id AND b.status = 'done' "	\
	"ORDER BY b.val_acc DESC, b.id LIMIT 1), "				\
	"s.spec, s.class_names "						\
	"FROM searches s LEFT JOIN trials t ON t.search_id = s.id "

/* Columns of STORE_SEARCH_SELECT. */
enum {
	SC_COUNTS = 9,		/* the first of the status counts */
	SC_BEST_VAL_ACC = SC_COUNTS + TRIAL_NSTATUS,
	SC_BEST_TRIAL,
	SC_SPEC,
	SC_CLASS_NAMES
};

/* The JSON names of the first columns of STORE_SEARCH_SELECT. */
static const char *const store_search_names[] = {
	"id", "name", "mode", "strategy", "status", "trials", "parallel", "created_at",
	"finished_at"
};

#define STORE_TRIAL_SELECT						\
	"SELECT id, number, round, status, params, val_acc, best_val_acc, test_acc, epochs, "	\
	"seconds, error, exit_status, signal, started_at, finished_at FROM trials "

/* The JSON names of the columns of STORE_TRIAL_SELECT. */
static const char *const store_trial_names[] = {
	"id", "number", "round", "status", "params", "val_acc", "best_val_acc", "test_acc",
	"epochs", "seconds", "error", "exit_status", "signal", "started_at", "finished_at"
};

#define STORE_BEST_SELECT						\
	"SELECT search_id, id, number, round, val_acc, best_val_acc, test_acc, epochs, "	\
	"seconds, params FROM trials WHERE status = 'done' "

/* The JSON names of the columns of STORE_BEST_SELECT. */
static const char *const store_best_names[] = {
	"search", "trial", "number", "round", "val_acc", "best_val_acc", "test_acc", "epochs",
	"seconds", "params"
};

#define STORE_EVENT_SELECT "SELECT id, kind, search_id, trial_id, time, data FROM events "

/* Every statement, prepared once at open. */
static const char *const store_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_SAVEPOINT] = "SAVEPOINT store_write",
	[S_RELEASE] = "RELEASE store_write",
	[S_ROLLBACK_TO] = "ROLLBACK TO store_write",
	[S_SEARCH_ADD] = "INSERT INTO searches (name, mode, strategy, status, trials, parallel, "
	    "spec, class_names, created_at) VALUES (?1, ?2, ?3, 'running', ?4, ?5, ?6, ?7, "
	    STORE_NOW ")",
	[S_SEARCH_STATUS] = "UPDATE searches SET status = ?2, finished_at = CASE WHEN "
	    "?2 = 'running' THEN NULL ELSE " STORE_NOW " END WHERE id = ?1",
	[S_TRIAL_FIND] = "SELECT id FROM trials WHERE search_id = ?1 AND number = ?2",
	[S_TRIAL_ADD] = "INSERT INTO trials (search_id, number, round, status, params, "
	    "started_at) VALUES (?1, ?2, ?3, 'running', ?4, " STORE_NOW ")",
	[S_TRIAL_RESET] = "UPDATE trials SET round = ?2, status = 'running', params = ?3, "
	    "val_acc = NULL, val_loss = NULL, best_val_acc = NULL, test_acc = NULL, "
	    "test_loss = NULL, epochs = NULL, seconds = NULL, exit_status = NULL, signal = NULL, "
	    "error = NULL, started_at = " STORE_NOW ", finished_at = NULL WHERE id = ?1",
	[S_TRIAL_CLEAR_EPOCHS] = "DELETE FROM epochs WHERE trial_id = ?1",
	[S_TRIAL_CLEAR_PARAMS] = "DELETE FROM trial_params WHERE trial_id = ?1",
	[S_PARAM_ADD] = "INSERT OR REPLACE INTO trial_params (trial_id, name, value) "
	    "VALUES (?1, ?2, ?3)",
	[S_TRIAL_FINISH] = "UPDATE trials SET status = ?2, val_acc = ?3, val_loss = ?4, "
	    "best_val_acc = ?5, test_acc = ?6, test_loss = ?7, epochs = ?8, seconds = ?9, "
	    "exit_status = ?10, signal = ?11, error = ?12, finished_at = " STORE_NOW
	    " WHERE id = ?1",
	[S_EPOCH_ADD] = "INSERT OR REPLACE INTO epochs (trial_id, epoch, train_loss, train_acc, "
	    "val_loss, val_acc, alpha, beta, seconds) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[S_EVENT_ADD] = "INSERT INTO events (search_id, trial_id, time, kind, data) "
	    "VALUES (?1, ?2, " STORE_NOW ", ?3, ?4)",
	[S_SEARCHES] = STORE_SEARCH_SELECT "GROUP BY s.id ORDER BY s.id",
	[S_SEARCH] = STORE_SEARCH_SELECT "WHERE s.id = ?1 GROUP BY s.id",
	[S_SEARCH_TRIALS] = STORE_TRIAL_SELECT "WHERE search_id = ?1 ORDER BY number",
	[S_BEST_ALL] = STORE_BEST_SELECT "AND ?1 = 0 ORDER BY val_acc DESC, id LIMIT ?2",
	[S_BEST_ONE] = STORE_BEST_SELECT "AND search_id = ?1 ORDER BY val_acc DESC, id LIMIT ?2",
	[S_EVENTS_ALL] = STORE_EVENT_SELECT "WHERE ?1 = 0 AND id > ?2 ORDER BY id LIMIT ?3",
	[S_EVENTS_ONE] = STORE_EVENT_SELECT "WHERE search_id = ?1 AND id > ?2 ORDER BY id "
	    "LIMIT ?3",
	[S_UNFINISHED] = "SELECT id FROM searches WHERE status = 'running' ORDER BY id",
	[S_ROUND_ADD] = "INSERT OR REPLACE INTO rounds (search_id, round, trials, box, "
	    "description, created_at) VALUES (?1, ?2, ?3, ?4, ?5, " STORE_NOW ")",
	[S_ROUNDS] = "SELECT round, trials, box, description, created_at FROM rounds "
	    "WHERE search_id = ?1 ORDER BY round",
	[S_TRIAL_CONTINUE] = "UPDATE trials SET status = 'running', finished_at = NULL, "
	    "error = NULL, exit_status = NULL, signal = NULL WHERE id = ?1",
	[S_EPOCHS_AFTER] = "DELETE FROM epochs WHERE trial_id = ?1 AND epoch > ?2",
	[S_RUNG_VALUES] = "SELECT e.val_acc FROM epochs e JOIN trials t ON t.id = e.trial_id "
	    "WHERE t.search_id = ?1 AND e.epoch = ?2 ORDER BY e.trial_id",
};

/* What each statement does, for error messages. */
static const char *const store_what[S_COUNT] = {
	[S_BEGIN] = "begin transaction",
	[S_COMMIT] = "commit",
	[S_SAVEPOINT] = "savepoint",
	[S_RELEASE] = "release savepoint",
	[S_ROLLBACK_TO] = "roll back to savepoint",
	[S_SEARCH_ADD] = "insert search",
	[S_SEARCH_STATUS] = "update search status",
	[S_TRIAL_FIND] = "find trial",
	[S_TRIAL_ADD] = "insert trial",
	[S_TRIAL_RESET] = "reset trial",
	[S_TRIAL_CLEAR_EPOCHS] = "delete trial epochs",
	[S_TRIAL_CLEAR_PARAMS] = "delete trial params",
	[S_PARAM_ADD] = "insert trial param",
	[S_TRIAL_FINISH] = "finish trial",
	[S_EPOCH_ADD] = "insert epoch",
	[S_EVENT_ADD] = "insert event",
	[S_SEARCHES] = "list searches",
	[S_SEARCH] = "read search",
	[S_SEARCH_TRIALS] = "read trials",
	[S_BEST_ALL] = "read best trials",
	[S_BEST_ONE] = "read best trials",
	[S_EVENTS_ALL] = "read events",
	[S_EVENTS_ONE] = "read events",
	[S_UNFINISHED] = "list unfinished searches",
	[S_ROUND_ADD] = "insert round",
	[S_ROUNDS] = "read rounds",
	[S_TRIAL_CONTINUE] = "continue trial",
	[S_EPOCHS_AFTER] = "delete epochs after a checkpoint",
	[S_RUNG_VALUES] = "read rung values",
};

struct store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmt[S_COUNT];
	bool in_txn;			/* our BEGIN IMMEDIATE is open */
	int pending;			/* rows written since the last commit */
	char *held;			/* why writes are refused (store_hold), or NULL */
	char buf[STORE_BUF];		/* compact JSON being bound */
};

/* Map an SQLite result code to a negative errno. */
static int
store_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
		return -EINVAL;
	default:
		return -EIO;
	}
}

/*
 * Why a write to the database's files failed, in words, into buf (empty if nothing is seen):
 * the OS error SQLite kept, else a look at the files — a full file system, the file-size limit
 * reached, or a file that cannot be opened for writing.
 */
static void
store_why(struct store *st, char *buf, size_t len)
{
	static const char *const suffixes[] = { "", "-wal" };
	int sys = sqlite3_system_errno(st->db), fd;
	struct statvfs vfs;
	struct rlimit lim;
	struct stat sb;
	char *path, *dir, *slash;
	size_t i;

	buf[0] = '\0';
	if (sys != 0) {
		snprintf(buf, len, " (%s)", strerror(sys));
		return;
	}
	dir = xstrdup(st->path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		strcpy(dir, ".");
	if (statvfs(dir, &vfs) == 0 && (double)vfs.f_bavail * vfs.f_frsize < 1 << 20)
		snprintf(buf, len, " (no space left on %s: %.0f KiB free)", dir,
		    (double)vfs.f_bavail * vfs.f_frsize / 1024);
	free(dir);
	for (i = 0; buf[0] == '\0' && i < sizeof suffixes / sizeof suffixes[0]; i++) {
		path = xasprintf("%s%s", st->path, suffixes[i]);
		if (getrlimit(RLIMIT_FSIZE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY &&
		    stat(path, &sb) == 0 && (rlim_t)sb.st_size + 65536 >= lim.rlim_cur)
			snprintf(buf, len, " (%s: file too large: the file-size limit is %llu "
			    "bytes)", path, (unsigned long long)lim.rlim_cur);
		else if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0 && errno != ENOENT)
			snprintf(buf, len, " (%s: %s)", path, strerror(errno));
		else if (fd >= 0)
			close(fd);
		free(path);
	}
}

/*
 * Report the SQLite error rc of what (call it before resetting the statement). When SQLite
 * rolled the whole transaction back (disk full, I/O error), say how many writes were lost.
 */
static int
store_fail(struct store *st, int rc, const char *what, char **cause)
{
	char os[PATH_MAX + 128] = "";
	int lost;

	if ((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_FULL ||
	    (rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_READONLY)
		store_why(st, os, sizeof os);
	if (st->in_txn && sqlite3_get_autocommit(st->db)) {
		lost = st->pending;
		st->in_txn = false;
		st->pending = 0;
		return xcause(cause, store_errno(rc), "store: %s: %s%s (transaction rolled back: "
		    "%d uncommitted writes lost)", what, sqlite3_errmsg(st->db), os, lost);
	}
	return xcause(cause, store_errno(rc), "store: %s: %s%s", what, sqlite3_errmsg(st->db),
	    os);
}

/* Reset a statement for its next use and drop its bindings. */
static void
store_reset(struct store *st, enum store_stmt s)
{
	sqlite3_reset(st->stmt[s]);
	sqlite3_clear_bindings(st->stmt[s]);
}

/* Run a write (or transaction) statement to completion, then reset it. */
static int
store_run(struct store *st, enum store_stmt s, char **cause)
{
	int rc, err = 0;

	rc = sqlite3_step(st->stmt[s]);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = store_fail(st, rc, store_what[s], cause);
	store_reset(st, s);
	return err;
}

/* Step a read statement: 1 with a row, 0 at the end (the statement is reset), or -errno. */
static int
store_next(struct store *st, enum store_stmt s, char **cause)
{
	int rc, err;

	rc = sqlite3_step(st->stmt[s]);
	if (rc == SQLITE_ROW)
		return 1;
	err = 0;
	if (rc != SQLITE_DONE)
		err = store_fail(st, rc, store_what[s], cause);
	store_reset(st, s);
	return err;
}

/* Bind a double, NaN as NULL. */
static void
store_bind_real(sqlite3_stmt *stmt, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(stmt, i);
	else
		sqlite3_bind_double(stmt, i, v);
}

/* Bind a string that outlives the step, NULL as NULL. */
static void
store_bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(stmt, i);
	else
		sqlite3_bind_text(stmt, i, s, -1, SQLITE_STATIC);
}

/* Bind an id, 0 (none) as NULL. */
static void
store_bind_id(sqlite3_stmt *stmt, int i, int64_t id)
{
	if (id == 0)
		sqlite3_bind_null(stmt, i);
	else
		sqlite3_bind_int64(stmt, i, id);
}

/* Print item as compact JSON into st->buf, or into *heap (the caller frees it); NULL: no memory. */
static const char *
store_print(struct store *st, const cJSON *item, char **heap)
{
	*heap = NULL;
	if (cJSON_PrintPreallocated((cJSON *)item, st->buf, sizeof st->buf, 0))
		return st->buf;
	*heap = cJSON_PrintUnformatted(item);
	return *heap;
}

/* Open the write transaction unless it is open. */
static int
store_begin(struct store *st, char **cause)
{
	int err;

	if (st->held != NULL)
		return xcause(cause, -EAGAIN, "store: writes held: %s", st->held);
	if (st->in_txn && !sqlite3_get_autocommit(st->db))
		return 0;
	st->in_txn = false;
	st->pending = 0;
	if ((err = store_run(st, S_BEGIN, cause)) != 0)
		return err;
	st->in_txn = true;
	return 0;
}

/* Begin a write of several statements: the transaction, then a savepoint within it. */
static int
store_begin_many(struct store *st, char **cause)
{
	int err;

	if ((err = store_begin(st, cause)) != 0)
		return err;
	return store_run(st, S_SAVEPOINT, cause);
}

/* End a write of several statements: keep it (err == 0) or undo it; returns err. */
static int
store_end_many(struct store *st, int err, int rows, char **cause)
{
	if (err == 0) {
		if ((err = store_run(st, S_RELEASE, cause)) == 0)
			st->pending += rows;
		return err;
	}
	if (!sqlite3_get_autocommit(st->db)) {
		/* Undo what the savepoint holds; the error to report is the first one. */
		sqlite3_step(st->stmt[S_ROLLBACK_TO]);
		store_reset(st, S_ROLLBACK_TO);
		sqlite3_step(st->stmt[S_RELEASE]);
		store_reset(st, S_RELEASE);
	} else {
		st->in_txn = false;
		st->pending = 0;
	}
	return err;
}

/* Run SQL text at open (pragmas, migrations); errors name the database. */
static int
store_exec(struct store *st, const char *sql, const char *what, char **cause)
{
	int rc;

	rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return xcause(cause, store_errno(rc), "store: %s: %s: %s", st->path, what,
		    sqlite3_errmsg(st->db));
	return 0;
}

/* Read an integer pragma (or any one-value query) at open. */
static int
store_query_int(struct store *st, const char *sql, int *value, char **cause)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW) {
			*value = sqlite3_column_int(stmt, 0);
			rc = SQLITE_OK;
		}
	}
	if (rc != SQLITE_OK) {
		xcause(cause, store_errno(rc), "store: %s: %s: %s", st->path, sql,
		    sqlite3_errmsg(st->db));
		sqlite3_finalize(stmt);
		return store_errno(rc);
	}
	sqlite3_finalize(stmt);
	return 0;
}

/* Switch to WAL mode; it stays on in the file. */
static int
store_wal(struct store *st, char **cause)
{
	sqlite3_stmt *stmt = NULL;
	const char *mode;
	int rc, err = 0;

	rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		err = xcause(cause, store_errno(rc), "store: %s: %s", st->path,
		    sqlite3_errmsg(st->db));
		goto fail;
	}
	mode = (const char *)sqlite3_column_text(stmt, 0);
	if (mode == NULL || strcmp(mode, "wal") != 0) {
		err = xcause(cause, -ENOTSUP, "store: %s: cannot use WAL mode (journal mode is %s)",
		    st->path, mode != NULL ? mode : "unknown");
		goto fail;
	}
fail:
	sqlite3_finalize(stmt);
	return err;
}

/* Apply the migrations the database lacks, one transaction each. */
static int
store_migrate(struct store *st, char **cause)
{
	char what[64], *sql;
	int known, version = 0, err;

	for (known = 0; sql_migrations[known] != NULL; known++)
		;
	for (;;) {
		if ((err = store_exec(st, "BEGIN IMMEDIATE", "begin migration", cause)) != 0)
			return err;
		if ((err = store_query_int(st, "PRAGMA user_version", &version, cause)) != 0)
			goto fail;
		if (version > known) {
			err = xcause(cause, -ENOTSUP, "store: %s: database schema version %d is "
			    "newer than this tuna knows (%d): use a newer tuna", st->path,
			    version, known);
			goto fail;
		}
		if (version == known)
			break;
		snprintf(what, sizeof what, "migration %d", version + 1);
		if ((err = store_exec(st, sql_migrations[version], what, cause)) != 0)
			goto fail;
		sql = xasprintf("PRAGMA user_version = %d", version + 1);
		err = store_exec(st, sql, what, cause);
		free(sql);
		if (err != 0)
			goto fail;
		if ((err = store_exec(st, "COMMIT", what, cause)) != 0)
			goto fail;
	}
	return store_exec(st, "COMMIT", "end migration", cause);

fail:
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

/* Create the database file with mode 0600 unless it exists. */
static int
store_create(const char *path, char **cause)
{
	int fd, err;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		return xcause(cause, -errno, "store: create %s: %s", path, strerror(errno));
	}
	err = 0;
	if (fchmod(fd, 0600) != 0)
		err = xcause(cause, -errno, "store: chmod %s: %s", path, strerror(errno));
	close(fd);
	return err;
}

/* The count of each trial status, as columns of STORE_SEARCH_SELECT (caller frees). */
static char *
store_counts_sql(void)
{
	char *sql = xstrdup(""), *more;
	int i;

	for (i = 0; i < TRIAL_NSTATUS; i++) {
		more = xasprintf("%scount(t.id) FILTER (WHERE t.status = '%s'), ", sql,
		    trial_status_names[i]);
		free(sql);
		sql = more;
	}
	return sql;
}

/* Prepare a statement of the table, its STORE_COUNTS filled in. */
static int
store_prepare(struct store *st, enum store_stmt s)
{
	char *counts, *sql = NULL;
	int rc;

	if (strstr(store_sql[s], STORE_COUNTS) != NULL) {
		counts = store_counts_sql();
		sql = xasprintf(store_sql[s], counts);
		free(counts);
	}
	rc = sqlite3_prepare_v3(st->db, sql != NULL ? sql : store_sql[s], -1,
	    SQLITE_PREPARE_PERSISTENT, &st->stmt[s], NULL);
	free(sql);
	return rc;
}

/* Open (creating it if needed) and upgrade the database at path. */
int
store_open(struct store **stp, const char *path, char **cause)
{
	struct store *st;
	char *sql;
	int i, rc, err;

	*stp = NULL;
	st = xcalloc(1, sizeof *st);
	st->path = xstrdup(path);
	if ((err = store_create(path, cause)) != 0)
		goto fail;
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		err = xcause(cause, store_errno(rc), "store: open %s: %s", path,
		    st->db != NULL ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		goto fail;
	}
	if (sqlite3_db_readonly(st->db, "main") == 1) {
		err = xcause(cause, -EROFS, "store: open %s: the database is read-only", path);
		goto fail;
	}
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	if ((err = store_wal(st, cause)) != 0)
		goto fail;
	sql = xasprintf("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; "
	    "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -%d", STORE_CACHE_KB);
	err = store_exec(st, sql, "pragmas", cause);
	free(sql);
	if (err != 0)
		goto fail;
	if ((err = store_migrate(st, cause)) != 0)
		goto fail;
	for (i = 0; i < S_COUNT; i++) {
		if ((rc = store_prepare(st, (enum store_stmt)i)) != SQLITE_OK) {
			err = xcause(cause, store_errno(rc), "store: %s: prepare %s: %s", path,
			    store_what[i], sqlite3_errmsg(st->db));
			goto fail;
		}
	}
	*stp = st;
	return 0;

fail:
	store_close(st);
	return err;
}

/* Commit what is pending (best effort: call store_flush first to see errors) and close. */
void
store_close(struct store *st)
{
	int i;

	if (st == NULL)
		return;
	if (st->in_txn && st->stmt[S_COMMIT] != NULL && !sqlite3_get_autocommit(st->db)) {
		sqlite3_step(st->stmt[S_COMMIT]);
		sqlite3_reset(st->stmt[S_COMMIT]);
	}
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	free(st->held);
	free(st->path);
	free(st);
}

/*
 * Commit the open write transaction, if any. When the commit fails and SQLite kept the
 * transaction (busy), the writes stay pending and the next flush tries again.
 */
int
store_flush(struct store *st, char **cause)
{
	int err;

	if (!st->in_txn)
		return 0;
	if (sqlite3_get_autocommit(st->db)) {
		err = xcause(cause, -EIO, "store: commit: the transaction was rolled back: %d "
		    "writes lost", st->pending);
		st->in_txn = false;
		st->pending = 0;
		return err;
	}
	if ((err = store_run(st, S_COMMIT, cause)) != 0)
		return err;
	st->in_txn = false;
	st->pending = 0;
	return 0;
}

/*
 * Roll back what is not committed and refuse every write (with why in the error) until
 * store_release: the daemon holds the store while the disk is full or the file read-only.
 */
void
store_hold(struct store *st, const char *why)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_txn = false;
	st->pending = 0;
	free(st->held);
	st->held = xstrdup(why);
}

/* Accept writes again. */
void
store_release(struct store *st)
{
	free(st->held);
	st->held = NULL;
}

/* Rows written since the last commit. */
int
store_pending(const struct store *st)
{
	return st->pending;
}

/* Insert a search, status running, created now; class_names_json may be NULL. */
int
store_search_add(struct store *st, int64_t *id, const char *name, const char *mode,
    const char *strategy, const char *spec_json, const char *class_names_json, int trials,
    int parallel, char **cause)
{
	sqlite3_stmt *stmt = st->stmt[S_SEARCH_ADD];
	int err;

	if ((err = store_begin(st, cause)) != 0)
		return err;
	store_bind_text(stmt, 1, name);
	store_bind_text(stmt, 2, mode);
	store_bind_text(stmt, 3, strategy);
	sqlite3_bind_int(stmt, 4, trials);
	sqlite3_bind_int(stmt, 5, parallel);
	store_bind_text(stmt, 6, spec_json);
	if (class_names_json != NULL)
		store_bind_text(stmt, 7, class_names_json);
	else
		sqlite3_bind_null(stmt, 7);
	if ((err = store_run(st, S_SEARCH_ADD, cause)) != 0)
		return err;
	*id = sqlite3_last_insert_rowid(st->db);
	st->pending++;
	return 0;
}

/* Set a search's status; any status but running also sets finished_at. */
int
store_search_status(struct store *st, int64_t id, enum search_status status, char **cause)
{
	sqlite3_stmt *stmt = st->stmt[S_SEARCH_STATUS];
	int err;

	if ((err = store_begin(st, cause)) != 0)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, search_status_name(status));
	if ((err = store_run(st, S_SEARCH_STATUS, cause)) != 0)
		return err;
	if (sqlite3_changes(st->db) == 0)
		return xcause(cause, -ENOENT, "store: search %lld: no such search", (long long)id);
	st->pending++;
	return 0;
}

/* Bind a hyperparameter's value: numbers (INTEGER if integral), strings, booleans 0/1. */
static void
store_bind_param(sqlite3_stmt *stmt, int i, const cJSON *v, char **heap)
{
	double d;

	*heap = NULL;
	if (cJSON_IsBool(v))
		sqlite3_bind_int(stmt, i, cJSON_IsTrue(v));
	else if (cJSON_IsNumber(v)) {
		d = v->valuedouble;
		if (d == floor(d) && fabs(d) < 9007199254740992.0)
			sqlite3_bind_int64(stmt, i, (sqlite3_int64)d);
		else
			store_bind_real(stmt, i, d);
	} else if (cJSON_IsString(v))
		store_bind_text(stmt, i, v->valuestring);
	else if (cJSON_IsNull(v) || (*heap = cJSON_PrintUnformatted(v)) == NULL)
		sqlite3_bind_null(stmt, i);
	else
		sqlite3_bind_text(stmt, i, *heap, -1, SQLITE_STATIC);
}

/* Insert one trial_params row per member of params. */
static int
store_params_add(struct store *st, int64_t trial_id, const cJSON *params, int *rows,
    char **cause)
{
	sqlite3_stmt *stmt = st->stmt[S_PARAM_ADD];
	const cJSON *v;
	char *heap;
	int err;

	cJSON_ArrayForEach(v, params) {
		if (v->string == NULL)
			continue;
		sqlite3_bind_int64(stmt, 1, trial_id);
		store_bind_text(stmt, 2, v->string);
		store_bind_param(stmt, 3, v, &heap);
		err = store_run(st, S_PARAM_ADD, cause);
		free(heap);
		if (err != 0)
			return err;
		(*rows)++;
	}
	return 0;
}

/*
 * Insert a running trial with its parameters, or, when (search, number) exists (a trial run
 * again after a crash), reset that row: results cleared, epochs and parameters replaced.
 */
int
store_trial_add(struct store *st, int64_t *id, int64_t search_id, int number, int round,
    const cJSON *params, char **cause)
{
	sqlite3_stmt *find = st->stmt[S_TRIAL_FIND], *stmt;
	const char *text;
	char *heap = NULL;
	int64_t trial_id = 0;
	int rc, err, rows = 0;

	if (!cJSON_IsObject(params))
		return xcause(cause, -EINVAL, "store: insert trial: params is not a JSON object");
	if ((text = store_print(st, params, &heap)) == NULL)
		return xcause(cause, -ENOMEM, "store: insert trial: out of memory");
	if ((err = store_begin_many(st, cause)) != 0) {
		free(heap);
		return err;
	}

	sqlite3_bind_int64(find, 1, search_id);
	sqlite3_bind_int(find, 2, number);
	if ((rc = store_next(st, S_TRIAL_FIND, cause)) < 0) {
		err = rc;
		goto fail;
	}
	if (rc == 1) {
		trial_id = sqlite3_column_int64(find, 0);
		store_reset(st, S_TRIAL_FIND);
		stmt = st->stmt[S_TRIAL_RESET];
		sqlite3_bind_int64(stmt, 1, trial_id);
		sqlite3_bind_int(stmt, 2, round);
		store_bind_text(stmt, 3, text);
		if ((err = store_run(st, S_TRIAL_RESET, cause)) != 0)
			goto fail;
		sqlite3_bind_int64(st->stmt[S_TRIAL_CLEAR_EPOCHS], 1, trial_id);
		if ((err = store_run(st, S_TRIAL_CLEAR_EPOCHS, cause)) != 0)
			goto fail;
		sqlite3_bind_int64(st->stmt[S_TRIAL_CLEAR_PARAMS], 1, trial_id);
		if ((err = store_run(st, S_TRIAL_CLEAR_PARAMS, cause)) != 0)
			goto fail;
		rows += 3;
	} else {
		stmt = st->stmt[S_TRIAL_ADD];
		sqlite3_bind_int64(stmt, 1, search_id);
		sqlite3_bind_int(stmt, 2, number);
		sqlite3_bind_int(stmt, 3, round);
		store_bind_text(stmt, 4, text);
		if ((err = store_run(st, S_TRIAL_ADD, cause)) != 0)
			goto fail;
		trial_id = sqlite3_last_insert_rowid(st->db);
		rows++;
	}
	free(heap);
	heap = NULL;
	if ((err = store_params_add(st, trial_id, params, &rows, cause)) != 0)
		goto fail;
	if ((err = store_end_many(st, 0, rows, cause)) != 0)
		return err;
	*id = trial_id;
	return 0;

fail:
	free(heap);
	return store_end_many(st, err, rows, cause);
}

/* Record a trial's end: status, results (NaN, exit -1, signal 0: NULL), finished now. */
int
store_trial_finish(struct store *st, int64_t trial_id, const struct store_result *r,
    char **cause)
{
	sqlite3_stmt *stmt = st->stmt[S_TRIAL_FINISH];
	int err;

	if ((err = store_begin(st, cause)) != 0)
		return err;
	sqlite3_bind_int64(stmt, 1, trial_id);
	store_bind_text(stmt, 2, trial_status_name(r->status));
	store_bind_real(stmt, 3, r->val_acc);
	store_bind_real(stmt, 4, r->val_loss);
	store_bind_real(stmt, 5, r->best_val_acc);
	store_bind_real(stmt, 6, r->test_acc);
	store_bind_real(stmt, 7, r->test_loss);
	if (r->epochs >= 0)
		sqlite3_bind_int(stmt, 8, r->epochs);
	store_bind_real(stmt, 9, r->seconds);
	if (r->exit_status != -1)
		sqlite3_bind_int(stmt, 10, r->exit_status);
	if (r->signal != 0)
		sqlite3_bind_int(stmt, 11, r->signal);
	store_bind_text(stmt, 12, r->error);
	if ((err = store_run(st, S_TRIAL_FINISH, cause)) != 0)
		return err;
	if (sqlite3_changes(st->db) == 0)
		return xcause(cause, -ENOENT, "store: trial %lld: no such trial",
		    (long long)trial_id);
	st->pending++;
	return 0;
}

/* The value of the metric called name among m[n], or NaN. */
static double
store_metric(const struct metric *m, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++) {
		if (strcmp(m[i].name, name) == 0)
			return m[i].value;
	}
	return NAN;
}

/* Insert (or replace) one epoch's numbers, from the metrics the trainer reported for it. */
int
store_epoch_add(struct store *st, int64_t trial_id, int epoch, const struct metric *m, int n,
    char **cause)
{
	sqlite3_stmt *stmt = st->stmt[S_EPOCH_ADD];
	double beta;
	int err;

	if (epoch < 0)
		return xcause(cause, -EINVAL, "store: insert epoch: no \"epoch\" number");
	if ((err = store_begin(st, cause)) != 0)
		return err;
	if (isnan(beta = store_metric(m, n, "beta")))
		beta = store_metric(m, n, "beta1");
	sqlite3_bind_int64(stmt, 1, trial_id);
	sqlite3_bind_int(stmt, 2, epoch);
	store_bind_real(stmt, 3, store_metric(m, n, "train_loss"));
	store_bind_real(stmt, 4, store_metric(m, n, "train_acc"));
	store_bind_real(stmt, 5, store_metric(m, n, "val_loss"));
	store_bind_real(stmt, 6, store_metric(m, n, "val_acc"));
	store_bind_real(stmt, 7, store_metric(m, n, "alpha"));
	store_bind_real(stmt, 8, beta);
	store_bind_real(stmt, 9, store_metric(m, n, "seconds"));
	if ((err = store_run(st, S_EPOCH_ADD, cause)) != 0)
		return err;
	st->pending++;
	return 0;
}

/* Append an event (search or trial 0: NULL; data may be NULL); *id (if id) gets its id. */
int
store_event_add(struct store *st, int64_t *id, int64_t search_id, int64_t trial_id,
    const char *kind, const cJSON *data, char **cause)
{
	sqlite3_stmt *stmt = st->stmt[S_EVENT_ADD];
	const char *text = NULL;
	char *heap = NULL;
	int err;

	if (data != NULL && (text = store_print(st, data, &heap)) == NULL)
		return xcause(cause, -ENOMEM, "store: insert event: out of memory");
	if ((err = store_begin(st, cause)) != 0)
		goto fail;
	store_bind_id(stmt, 1, search_id);
	store_bind_id(stmt, 2, trial_id);
	store_bind_text(stmt, 3, kind);
	store_bind_text(stmt, 4, text);
	if ((err = store_run(st, S_EVENT_ADD, cause)) != 0)
		goto fail;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(st->db);
	st->pending++;

fail:
	free(heap);
	return err;
}

/* A column as JSON: numbers, strings, null; with parse, JSON text parsed (else a string). */
static cJSON *
store_column(sqlite3_stmt *stmt, int i, bool parse)
{
	const char *text;
	cJSON *v;

	switch (sqlite3_column_type(stmt, i)) {
	case SQLITE_INTEGER:
		return cJSON_CreateNumber((double)sqlite3_column_int64(stmt, i));
	case SQLITE_FLOAT:
		return cJSON_CreateNumber(sqlite3_column_double(stmt, i));
	case SQLITE_TEXT:
	case SQLITE_BLOB:
		text = (const char *)sqlite3_column_text(stmt, i);
		if (text == NULL)
			return cJSON_CreateNull();
		if (parse && (v = cJSON_Parse(text)) != NULL)
			return v;
		return cJSON_CreateString(text);
	default:
		return cJSON_CreateNull();
	}
}

/* Add columns first .. first + n - 1 of the current row under names[]. */
static void
store_add_columns(cJSON *obj, sqlite3_stmt *stmt, int first, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		cJSON_AddItemToObject(obj, names[i], store_column(stmt, first + i,
		    strcmp(names[i], "params") == 0));
	}
}

/* The current row of STORE_SEARCH_SELECT as a search object. */
static cJSON *
store_search_row(sqlite3_stmt *stmt)
{
	cJSON *o = cJSON_CreateObject(), *counts = cJSON_CreateObject();
	int i, n = (int)(sizeof store_search_names / sizeof store_search_names[0]);

	store_add_columns(o, stmt, 0, store_search_names, n);
	for (i = 0; i < TRIAL_NSTATUS; i++)
		store_add_columns(counts, stmt, SC_COUNTS + i, &trial_status_names[i], 1);
	cJSON_AddItemToObject(o, "counts", counts);
	cJSON_AddItemToObject(o, "best_val_acc", store_column(stmt, SC_BEST_VAL_ACC, false));
	cJSON_AddItemToObject(o, "best_trial", store_column(stmt, SC_BEST_TRIAL, false));
	return o;
}

/* Every search with its trial counts and best trial, by id. */
cJSON *
store_searches(struct store *st, char **cause)
{
	cJSON *a = cJSON_CreateArray();
	int rc;

	while ((rc = store_next(st, S_SEARCHES, cause)) == 1)
		cJSON_AddItemToArray(a, store_search_row(st->stmt[S_SEARCHES]));
	if (rc < 0) {
		cJSON_Delete(a);
		return NULL;
	}
	return a;
}

/*
 * One search as in store_searches, plus its "spec" and, as "trials", its trials by number (the
 * number of trials requested is then "requested"); NULL with *cause when there is no such search.
 */
cJSON *
store_search(struct store *st, int64_t id, char **cause)
{
	sqlite3_stmt *stmt = st->stmt[S_SEARCH];
	cJSON *o, *trials, *t;
	int rc, n = (int)(sizeof store_trial_names / sizeof store_trial_names[0]);

	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = store_next(st, S_SEARCH, cause)) < 0)
		return NULL;
	if (rc == 0) {
		xcause(cause, -ENOENT, "search %lld: no such search", (long long)id);
		return NULL;
	}
	o = store_search_row(stmt);
	cJSON_AddItemToObject(o, "spec", store_column(stmt, SC_SPEC, true));
	if (sqlite3_column_type(stmt, SC_CLASS_NAMES) != SQLITE_NULL)
		cJSON_AddItemToObject(o, "class_names", store_column(stmt, SC_CLASS_NAMES, true));
	store_reset(st, S_SEARCH);

	/* "trials" becomes the array; the number requested moves to "requested". */
	trials = cJSON_CreateArray();
	cJSON_AddItemToObject(o, "requested",
	    cJSON_DetachItemFromObjectCaseSensitive(o, "trials"));
	cJSON_AddItemToObject(o, "trials", trials);
	stmt = st->stmt[S_SEARCH_TRIALS];
	sqlite3_bind_int64(stmt, 1, id);
	while ((rc = store_next(st, S_SEARCH_TRIALS, cause)) == 1) {
		t = cJSON_CreateObject();
		store_add_columns(t, stmt, 0, store_trial_names, n);
		cJSON_AddItemToArray(trials, t);
	}
	if (rc < 0) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* The best n done trials (n <= 0: all) of a search (0: of all), by val_acc then id. */
cJSON *
store_best(struct store *st, int64_t search_id, int n, char **cause)
{
	enum store_stmt s = search_id != 0 ? S_BEST_ONE : S_BEST_ALL;
	sqlite3_stmt *stmt = st->stmt[s];
	cJSON *a, *t;
	int rc, cols = (int)(sizeof store_best_names / sizeof store_best_names[0]);

	sqlite3_bind_int64(stmt, 1, search_id);
	sqlite3_bind_int(stmt, 2, n > 0 ? n : -1);
	a = cJSON_CreateArray();
	while ((rc = store_next(st, s, cause)) == 1) {
		t = cJSON_CreateObject();
		store_add_columns(t, stmt, 0, store_best_names, cols);
		cJSON_AddItemToArray(a, t);
	}
	if (rc < 0) {
		cJSON_Delete(a);
		return NULL;
	}
	return a;
}

/* The current row of STORE_EVENT_SELECT as {"id","event","search","trial","time",…data}. */
static cJSON *
store_event_row(sqlite3_stmt *stmt)
{
	cJSON *o = cJSON_CreateObject(), *data, *v;

	cJSON_AddItemToObject(o, "id", store_column(stmt, 0, false));
	cJSON_AddItemToObject(o, "event", store_column(stmt, 1, false));
	if (sqlite3_column_type(stmt, 2) != SQLITE_NULL)
		cJSON_AddItemToObject(o, "search", store_column(stmt, 2, false));
	if (sqlite3_column_type(stmt, 3) != SQLITE_NULL)
		cJSON_AddItemToObject(o, "trial", store_column(stmt, 3, false));
	cJSON_AddItemToObject(o, "time", store_column(stmt, 4, false));
	if (sqlite3_column_type(stmt, 5) == SQLITE_NULL)
		return o;
	data = store_column(stmt, 5, true);
	if (!cJSON_IsObject(data)) {
		cJSON_AddItemToObject(o, "data", data);
		return o;
	}
	/* Move the data members over; the event's own members win a clash. */
	while ((v = data->child) != NULL) {
		cJSON_DetachItemViaPointer(data, v);
		if (v->string != NULL && !cJSON_HasObjectItem(o, v->string))
			cJSON_AddItemToObject(o, v->string, v);
		else
			cJSON_Delete(v);
	}
	cJSON_Delete(data);
	return o;
}

/* Events of a search (0: all) with id > after, in id order, at most limit (<= 0: all). */
cJSON *
store_events(struct store *st, int64_t search_id, int64_t after, int limit, char **cause)
{
	enum store_stmt s = search_id != 0 ? S_EVENTS_ONE : S_EVENTS_ALL;
	sqlite3_stmt *stmt = st->stmt[s];
	cJSON *a;
	int rc;

	sqlite3_bind_int64(stmt, 1, search_id);
	sqlite3_bind_int64(stmt, 2, after);
	sqlite3_bind_int(stmt, 3, limit > 0 ? limit : -1);
	a = cJSON_CreateArray();
	while ((rc = store_next(st, s, cause)) == 1)
		cJSON_AddItemToArray(a, store_event_row(stmt));
	if (rc < 0) {
		cJSON_Delete(a);
		return NULL;
	}
	return a;
}

/* The ids of searches still running (to resume after a restart); *ids is malloc'd or NULL. */
int
store_unfinished(struct store *st, int64_t **ids, int *n, char **cause)
{
	int rc, size = 0;

	*ids = NULL;
	*n = 0;
	while ((rc = store_next(st, S_UNFINISHED, cause)) == 1) {
		if (*n == size) {
			size = size ? 2 * size : 8;
			*ids = xreallocarray(*ids, (size_t)size, sizeof **ids);
		}
		(*ids)[(*n)++] = sqlite3_column_int64(st->stmt[S_UNFINISHED], 0);
	}
	if (rc < 0) {
		free(*ids);
		*ids = NULL;
		*n = 0;
		return rc;
	}
	return 0;
}

/* Record round `round` of a search: its trial count, box (JSON) and description. */
int
store_round_add(struct store *st, int64_t search_id, int round, int trials, const cJSON *box,
    const char *description, char **cause)
{
	sqlite3_stmt *stmt = st->stmt[S_ROUND_ADD];
	const char *text;
	char *heap = NULL;
	int err;

	if ((text = store_print(st, box, &heap)) == NULL)
		return xcause(cause, -ENOMEM, "store: insert round: out of memory");
	if ((err = store_begin(st, cause)) != 0)
		goto fail;
	sqlite3_bind_int64(stmt, 1, search_id);
	sqlite3_bind_int(stmt, 2, round);
	sqlite3_bind_int(stmt, 3, trials);
	store_bind_text(stmt, 4, text);
	store_bind_text(stmt, 5, description);
	if ((err = store_run(st, S_ROUND_ADD, cause)) == 0)
		st->pending++;
fail:
	free(heap);
	return err;
}

/* The rounds of a search: [{"round","trials","box":{…},"description","created_at"}, …]. */
cJSON *
store_rounds(struct store *st, int64_t search_id, char **cause)
{
	static const char *const names[] = { "round", "trials", "box", "description",
	    "created_at" };
	sqlite3_stmt *stmt = st->stmt[S_ROUNDS];
	cJSON *a = cJSON_CreateArray(), *o;
	int rc;

	sqlite3_bind_int64(stmt, 1, search_id);
	while ((rc = store_next(st, S_ROUNDS, cause)) == 1) {
		o = cJSON_CreateObject();
		store_add_columns(o, stmt, 0, names, 2);
		cJSON_AddItemToObject(o, "box", store_column(stmt, 2, true));
		store_add_columns(o, stmt, 3, names + 3, 2);
		cJSON_AddItemToArray(a, o);
	}
	if (rc < 0) {
		cJSON_Delete(a);
		return NULL;
	}
	return a;
}

/* Run a trial on from a checkpoint after `epoch`: running again, later epochs forgotten. */
int
store_trial_continue(struct store *st, int64_t trial_id, int epoch, char **cause)
{
	int err, rows = 0;

	if ((err = store_begin_many(st, cause)) != 0)
		return err;
	sqlite3_bind_int64(st->stmt[S_TRIAL_CONTINUE], 1, trial_id);
	if ((err = store_run(st, S_TRIAL_CONTINUE, cause)) != 0)
		goto fail;
	rows++;
	sqlite3_bind_int64(st->stmt[S_EPOCHS_AFTER], 1, trial_id);
	sqlite3_bind_int(st->stmt[S_EPOCHS_AFTER], 2, epoch);
	if ((err = store_run(st, S_EPOCHS_AFTER, cause)) != 0)
		goto fail;
	rows++;
fail:
	return store_end_many(st, err, rows, cause);
}

/* The validation accuracies recorded at one epoch by a search's trials (ASHA's rung). */
int
store_rung_values(struct store *st, int64_t search_id, int epoch, double **vals, int *n,
    char **cause)
{
	sqlite3_stmt *stmt = st->stmt[S_RUNG_VALUES];
	int rc, size = 0;

	*vals = NULL;
	*n = 0;
	sqlite3_bind_int64(stmt, 1, search_id);
	sqlite3_bind_int(stmt, 2, epoch);
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
