/*
 * store-int.h: what the store's files share — the connection, the table of every statement
 * (store.c, with designated initializers), and the helpers that run and bind them.
 * Layer: part (private)
 */
#ifndef TUNA_STORE_INT_H
#define TUNA_STORE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>
#include <sqlite3.h>

#include "store.h"

#define STORE_NOW	"strftime('%Y-%m-%d %H:%M:%f', 'now')"
#define STORE_COUNTS	"%s"	/* in a statement: the count of each trial status */
#define STORE_BUF	8192	/* compact JSON of params and event data, when it fits */
#define STORE_SLOTS	12	/* a search's metrics held in columns of reports: v0 … v11 */
#define STORE_CACHED	16	/* searches whose metric slots are kept in memory */

enum store_stmt {
	S_BEGIN,
	S_COMMIT,
	S_SAVEPOINT,
	S_RELEASE,
	S_ROLLBACK_TO,
	S_LAST_ID,
	S_SEARCH_ADD,
	S_SEARCH_STATUS,
	S_SEARCH_LIST,
	S_SEARCH_GET,
	S_SEARCH_TRIALS,
	S_SEARCH_UNFINISHED,
	S_SEARCH_GOAL,
	S_BEST_ALL,
	S_BEST_MAX,
	S_BEST_MIN,
	S_ROUND_ADD,
	S_ROUNDS,
	S_TRIAL_FIND,
	S_TRIAL_ADD,
	S_TRIAL_RESET,
	S_TRIAL_FINISH,
	S_TRIAL_CONTINUE,
	S_KERNEL_ADD,
	S_KERNEL_FIND,
	S_TRIAL_KERNEL,
	S_TRIAL_STATE,
	S_SEARCH_KERNELS,
	S_REPORTS_UNDO,
	S_METRICS,
	S_METRIC_ADD,
	S_SEARCH_CREATED,
	S_REPORT_ADD,
	S_RUNG_VALUES,
	S_EVENT_ADD,
	S_HISTORY_ALL,
	S_HISTORY_ONE,
	S_COUNT
};

/* A search's metric names, in slot order, and when it was created (store-report.c). */
struct store_slots {
	int64_t search_id;		/* 0: an empty entry */
	int64_t created;		/* ms since 1970: its reports' times count from it */
	int n;
	char name[STORE_SLOTS][METRIC_NAME_MAX];
	int64_t since[STORE_SLOTS];	/* the first report with it: earlier ones lack it */
};

struct store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmt[S_COUNT];
	bool in_txn;			/* our BEGIN IMMEDIATE is open */
	int pending;			/* rows written since the last commit */
	char *held;			/* why writes are refused (store_hold), or NULL */
	int64_t next_id;		/* the next event or report id; 0: to be read */
	struct store_slots slots[STORE_CACHED];
	int slots_next;			/* the entry the next search's slots replace */
	int64_t kernel_id;		/* the last BLAS kernel's row (store-trial.c), 0: none */
	char *kernel_core, *kernel_why;	/* its core and why, when kernel_id is set */
	char buf[STORE_BUF];		/* compact JSON being bound */
};

extern const char *const store_sql[S_COUNT];

int store_errno(int rc);
int store_fail(struct store *st, int rc, const char *what, char **cause);
void store_reset(struct store *st, enum store_stmt s);
int store_run(struct store *st, enum store_stmt s, char **cause);
int store_next(struct store *st, enum store_stmt s, char **cause);
void store_bind_real(sqlite3_stmt *stmt, int i, double v);
void store_bind_text(sqlite3_stmt *stmt, int i, const char *s);
void store_bind_id(sqlite3_stmt *stmt, int i, int64_t id);
const char *store_print(struct store *st, const cJSON *item, char **heap);
int store_begin(struct store *st, char **cause);
int store_begin_many(struct store *st, char **cause);
int store_end_many(struct store *st, int err, int rows, char **cause);
int store_new_id(struct store *st, int64_t *id, char **cause);
void store_forget(struct store *st);
int store_report_slot(struct store *st, int64_t search_id, const char *name, int64_t *since);
cJSON *store_report_event(struct store *st, sqlite3_stmt *stmt, int first, int64_t search_id,
    int number, const cJSON *params);
cJSON *store_column(sqlite3_stmt *stmt, int i, bool parse);
void store_add_columns(cJSON *obj, sqlite3_stmt *stmt, int first, const char *const *names,
    int n);
const char *store_what(enum store_stmt s);

#endif
