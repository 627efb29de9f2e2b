/*
 * store-open.c: opening and closing the store — the database file (created 0600), its
 * pragmas (WAL, foreign keys, a bounded page cache), the migrations it lacks (sql/NNN-*.sql,
 * embedded as sql_migrations[], counted by user_version; a newer database is refused), and
 * every statement of the table in store-sql.c prepared once.
 * Layer: part
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store-int.h"
#include "xmalloc.h"

#define STORE_BUSY_MS	5000
#define STORE_CACHE_KB	4096	/* page cache: bounds the daemon's RSS; ample for 50 ms of writes */

/* The migrations, generated from sql/NNN-*.sql by sql/embed.py; NULL-terminated. */
extern const char *const sql_migrations[];

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
		more = xasprintf("%s(SELECT count(*) FROM trials t WHERE t.search_id = s.id "
		    "AND t.status = '%s'), ", sql, trial_status_names[i]);
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
			    store_what((enum store_stmt)i), sqlite3_errmsg(st->db));
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
	free(st->kernel_core);
	free(st->kernel_why);
	free(st);
}
