/*
 * store-trial.c: the trials in the store — a trial recorded as it starts (or, run again, its
 * row reset and its earlier reports marked undone), its end with its results and its
 * objective (the best of its reports that stand, in the goal's direction), a trial going
 * on from a checkpoint, and the BLAS kernel it runs on (each kernel a row of its own, the
 * last one's id kept: the next trial on it is one UPDATE).
 * Layer: part
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "xmalloc.h"

/* Mark a trial's reports of epochs after `epoch` undone (a rollback, a run again). */
static int
store_trial_undo(struct store *st, int64_t trial_id, int epoch, char **cause)
{
	sqlite3_bind_int64(st->stmt[S_REPORTS_UNDO], 1, trial_id);
	sqlite3_bind_int(st->stmt[S_REPORTS_UNDO], 2, epoch);
	return store_run(st, S_REPORTS_UNDO, cause);
}

/*
 * Insert a running trial, or, when (search, number) exists (a trial run again after a crash),
 * reset that row: its results cleared, its reports so far kept but undone, its hyperparameters
 * kept (the same trial; its reports read them back).
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
		if ((err = store_run(st, S_TRIAL_RESET, cause)) != 0 ||
		    (err = store_trial_undo(st, trial_id, -1, cause)) != 0)
			goto fail;
		rows += 2;
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
	if ((err = store_end_many(st, 0, rows, cause)) != 0)
		return err;
	*id = trial_id;
	return 0;

fail:
	free(heap);
	return store_end_many(st, err, rows, cause);
}

/*
 * Record a trial's end: status, results (NaN, exit -1, signal 0: NULL), finished now; and its
 * objective, the best value of o's metric over its reports that stand (NaN: none), into
 * *objective.
 */
int
store_trial_finish(struct store *st, int64_t search_id, int64_t trial_id,
    const struct store_result *r, const struct store_objective *o, double *objective,
    char **cause)
{
	sqlite3_stmt *stmt = st->stmt[S_TRIAL_FINISH];
	char path[METRIC_NAME_MAX + 8];
	int64_t since;
	int err, rc;

	*objective = NAN;
	if ((err = store_begin(st, cause)) != 0)
		return err;
	snprintf(path, sizeof path, "$.\"%s\"", o->metric);
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
	sqlite3_bind_int(stmt, 13, o->minimize);
	sqlite3_bind_int(stmt, 14, store_report_slot(st, search_id, o->metric, &since));
	sqlite3_bind_int64(stmt, 15, since);
	store_bind_text(stmt, 16, path);
	if ((rc = store_next(st, S_TRIAL_FINISH, cause)) < 0)
		return rc;
	if (rc == 0)
		return xcause(cause, -ENOENT, "store: trial %lld: no such trial",
		    (long long)trial_id);
	if (sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		*objective = sqlite3_column_double(stmt, 0);
	store_reset(st, S_TRIAL_FINISH);
	st->pending++;
	return 0;
}

/* Run a trial on from a checkpoint after `epoch`: running again, later reports undone. */
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
	if ((err = store_trial_undo(st, trial_id, epoch, cause)) != 0)
		goto fail;
	rows++;
fail:
	return store_end_many(st, err, rows, cause);
}

/* A trial not ended waits for the cluster (TRIAL_QUEUED) or runs (TRIAL_RUNNING). */
int
store_trial_state(struct store *st, int64_t trial_id, enum trial_status status, char **cause)
{
	int err;

	if ((err = store_begin(st, cause)) != 0)
		return err;
	sqlite3_bind_int64(st->stmt[S_TRIAL_STATE], 1, trial_id);
	store_bind_text(st->stmt[S_TRIAL_STATE], 2, trial_status_name(status));
	if ((err = store_run(st, S_TRIAL_STATE, cause)) == 0)
		st->pending++;
	return err;
}

/* A trial went back to the checkpoint of `epoch` (a rollback): its later reports undone. */
int
store_trial_rollback(struct store *st, int64_t trial_id, int epoch, char **cause)
{
	int err;

	if ((err = store_begin(st, cause)) != 0)
		return err;
	if ((err = store_trial_undo(st, trial_id, epoch, cause)) == 0)
		st->pending++;
	return err;
}

/* Point a trial at the kernel of row kernel_id. */
static int
store_trial_kernel_set(struct store *st, int64_t trial_id, int64_t kernel_id, char **cause)
{
	int err;

	sqlite3_bind_int64(st->stmt[S_TRIAL_KERNEL], 1, trial_id);
	sqlite3_bind_int64(st->stmt[S_TRIAL_KERNEL], 2, kernel_id);
	if ((err = store_run(st, S_TRIAL_KERNEL, cause)) != 0)
		return err;
	if (sqlite3_changes(st->db) == 0)
		return xcause(cause, -ENOENT, "store: trial %lld: no such trial",
		    (long long)trial_id);
	return 0;
}

/* A kernel not the last one: its row (inserted unless there), the trial pointed at it. */
static int
store_trial_kernel_new(struct store *st, int64_t trial_id, const char *core, const char *why,
    char **cause)
{
	sqlite3_stmt *find = st->stmt[S_KERNEL_FIND];
	int64_t kernel_id = 0;
	int rc, err, rows = 0;

	if ((err = store_begin_many(st, cause)) != 0)
		return err;
	store_bind_text(st->stmt[S_KERNEL_ADD], 1, core);
	store_bind_text(st->stmt[S_KERNEL_ADD], 2, why);
	if ((err = store_run(st, S_KERNEL_ADD, cause)) != 0)
		goto fail;
	rows += sqlite3_changes(st->db);
	store_bind_text(find, 1, core);
	store_bind_text(find, 2, why);
	if ((rc = store_next(st, S_KERNEL_FIND, cause)) <= 0) {
		err = rc < 0 ? rc : xcause(cause, -EIO, "store: kernel %s: not found", core);
		goto fail;
	}
	kernel_id = sqlite3_column_int64(find, 0);
	store_reset(st, S_KERNEL_FIND);
	if ((err = store_trial_kernel_set(st, trial_id, kernel_id, cause)) != 0)
		goto fail;
	rows++;
fail:
	if ((err = store_end_many(st, err, rows, cause)) != 0)
		return err;
	free(st->kernel_core);
	free(st->kernel_why);
	st->kernel_core = xstrdup(core);
	st->kernel_why = xstrdup(why);
	st->kernel_id = kernel_id;
	return 0;
}

/*
 * Record the BLAS kernel a trial runs on: its core and why it was chosen (NULL: not said,
 * stored ''), once in kernels, the trial's kernel_id pointing at it. The last kernel's row is
 * kept in memory: the same kernel again costs one UPDATE, no lookup.
 */
int
store_trial_kernel(struct store *st, int64_t trial_id, const char *core, const char *why,
    char **cause)
{
	int err;

	if (why == NULL)
		why = "";
	if (st->kernel_id == 0 || strcmp(core, st->kernel_core) != 0 ||
	    strcmp(why, st->kernel_why) != 0)
		return store_trial_kernel_new(st, trial_id, core, why, cause);
	if ((err = store_begin(st, cause)) != 0)
		return err;
	if ((err = store_trial_kernel_set(st, trial_id, st->kernel_id, cause)) == 0)
		st->pending++;
	return err;
}
