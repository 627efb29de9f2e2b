/*
 * store.c: the SQLite store's connection (store.h), once open (store-open.c): writes run
 * inside one BEGIN IMMEDIATE transaction that store_flush commits. A write made of several statements is wrapped in a savepoint, so a failure leaves
 * nothing half-written. Events and reports take their ids from one sequence, kept here: the
 * order of a search's history. The other store-*.c files hold each concept's reads and writes.
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

#include "store-int.h"
#include "xmalloc.h"

/*
 * Forget what the store knows of writes not committed: the next id, the metric slots and the
 * last kernel's row are read from the database again.
 */
void
store_forget(struct store *st)
{
	st->next_id = 0;
	memset(st->slots, 0, sizeof st->slots);
	st->kernel_id = 0;
}

/* Map an SQLite result code to a negative errno. */
int
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
int
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
		store_forget(st);
		return xcause(cause, store_errno(rc), "store: %s: %s%s (transaction rolled back: "
		    "%d uncommitted writes lost)", what, sqlite3_errmsg(st->db), os, lost);
	}
	return xcause(cause, store_errno(rc), "store: %s: %s%s", what, sqlite3_errmsg(st->db),
	    os);
}

/* Reset a statement for its next use and drop its bindings. */
void
store_reset(struct store *st, enum store_stmt s)
{
	sqlite3_reset(st->stmt[s]);
	sqlite3_clear_bindings(st->stmt[s]);
}

/* Run a write (or transaction) statement to completion, then reset it. */
int
store_run(struct store *st, enum store_stmt s, char **cause)
{
	int rc, err = 0;

	rc = sqlite3_step(st->stmt[s]);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = store_fail(st, rc, store_what(s), cause);
	store_reset(st, s);
	return err;
}

/* Step a read statement: 1 with a row, 0 at the end (the statement is reset), or -errno. */
int
store_next(struct store *st, enum store_stmt s, char **cause)
{
	int rc, err;

	rc = sqlite3_step(st->stmt[s]);
	if (rc == SQLITE_ROW)
		return 1;
	err = 0;
	if (rc != SQLITE_DONE)
		err = store_fail(st, rc, store_what(s), cause);
	store_reset(st, s);
	return err;
}

/* Bind a double, NaN as NULL. */
void
store_bind_real(sqlite3_stmt *stmt, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(stmt, i);
	else
		sqlite3_bind_double(stmt, i, v);
}

/* Bind a string that outlives the step, NULL as NULL. */
void
store_bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(stmt, i);
	else
		sqlite3_bind_text(stmt, i, s, -1, SQLITE_STATIC);
}

/* Bind an id, 0 (none) as NULL. */
void
store_bind_id(sqlite3_stmt *stmt, int i, int64_t id)
{
	if (id == 0)
		sqlite3_bind_null(stmt, i);
	else
		sqlite3_bind_int64(stmt, i, id);
}

/* Print item as compact JSON into st->buf, or into *heap (the caller frees it); NULL: no memory. */
const char *
store_print(struct store *st, const cJSON *item, char **heap)
{
	*heap = NULL;
	if (cJSON_PrintPreallocated((cJSON *)item, st->buf, sizeof st->buf, 0))
		return st->buf;
	*heap = cJSON_PrintUnformatted(item);
	return *heap;
}

/* Open the write transaction unless it is open. */
int
store_begin(struct store *st, char **cause)
{
	int err;

	if (st->held != NULL)
		return xcause(cause, -EAGAIN, "store: writes held: %s", st->held);
	if (st->in_txn && !sqlite3_get_autocommit(st->db))
		return 0;
	if (st->in_txn)
		store_forget(st);	/* SQLite rolled the writes back */
	st->in_txn = false;
	st->pending = 0;
	if ((err = store_run(st, S_BEGIN, cause)) != 0)
		return err;
	st->in_txn = true;
	return 0;
}

/* Begin a write of several statements: the transaction, then a savepoint within it. */
int
store_begin_many(struct store *st, char **cause)
{
	int err;

	if ((err = store_begin(st, cause)) != 0)
		return err;
	return store_run(st, S_SAVEPOINT, cause);
}

/* End a write of several statements: keep it (err == 0) or undo it; returns err. */
int
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
		store_forget(st);
	}
	return err;
}

/* The id of the last event or report recorded (0: none yet). */
int
store_last_id(struct store *st, int64_t *id, char **cause)
{
	int rc;

	if ((rc = store_next(st, S_LAST_ID, cause)) < 0)
		return rc;
	*id = rc == 1 ? sqlite3_column_int64(st->stmt[S_LAST_ID], 0) : 0;
	store_reset(st, S_LAST_ID);
	return 0;
}

/* The next id of an event or a report (one sequence: a search's history is in its order). */
int
store_new_id(struct store *st, int64_t *id, char **cause)
{
	int rc;

	if (st->next_id == 0) {
		if ((rc = store_last_id(st, &st->next_id, cause)) != 0)
			return rc;
		st->next_id++;
	}
	*id = st->next_id++;
	return 0;
}

/* A column as JSON: numbers, strings, null; with parse, JSON text parsed (else a string). */
cJSON *
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
void
store_add_columns(cJSON *obj, sqlite3_stmt *stmt, int first, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		cJSON_AddItemToObject(obj, names[i], store_column(stmt, first + i,
		    strcmp(names[i], "params") == 0));
	}
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
		store_forget(st);
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
	store_forget(st);	/* what was not committed is gone */
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

