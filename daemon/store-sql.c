/*
 * store-sql.c: every statement of the store, in one table with designated initializers, and
 * what each does (for messages). store_open prepares them all once; STORE_COUNTS it fills in.
 * Layer: part
 */
#include "store-int.h"

/*
 * The value of a metric in a report r of trial t: its slot (?S: -1 when it has none; ?F: the
 * first report with it) when the report carries it — stored NULL, the trial's hyperparameter
 * of that name (?P: its JSON path, '$."name"') — else the report's extra names.
 */
#define STORE_VALUE(S, F, P)						\
	"CASE WHEN " S " >= 0 AND r.id >= " F " AND "				\
	"coalesce(r.absent, 0) & (1 << " S ") = 0 THEN "			\
	"coalesce(CASE " S " WHEN 0 THEN r.v0 WHEN 1 THEN r.v1 WHEN 2 THEN r.v2 "	\
	"WHEN 3 THEN r.v3 WHEN 4 THEN r.v4 WHEN 5 THEN r.v5 WHEN 6 THEN r.v6 "	\
	"WHEN 7 THEN r.v7 WHEN 8 THEN r.v8 WHEN 9 THEN r.v9 WHEN 10 THEN r.v10 "	\
	"WHEN 11 THEN r.v11 END, CASE json_type(t.params, " P ") "		\
	"WHEN 'integer' THEN json_extract(t.params, " P ") "			\
	"WHEN 'real' THEN json_extract(t.params, " P ") END) "			\
	"ELSE json_extract(r.more, " P ") END"

/*
 * A search with its trial counts (one per trial status, in status.h's order: store_open puts
 * them where STORE_COUNTS is), its objective and its best done trial by it (each read through
 * the trials_search_objective index, also at 100,000 trials).
 */
#define STORE_SEARCH_SELECT						\
	"SELECT s.id, s.name, s.mode, s.strategy, s.status, s.trials, s.parallel, "	\
	"s.created_at, s.finished_at, " STORE_COUNTS				\
	"json_extract(s.spec, '$.objective.metric'), "				\
	"json_extract(s.spec, '$.objective.goal'), b.objective, b.id, s.spec, s.class_names "	\
	"FROM searches s LEFT JOIN trials b ON b.id = "				\
	"CASE json_extract(s.spec, '$.objective.goal') WHEN 'min' THEN "	\
	"(SELECT t.id FROM trials t WHERE t.search_id = s.id AND t.status = 'done' "	\
	"AND t.objective IS NOT NULL ORDER BY t.objective, t.id LIMIT 1) ELSE "	\
	"(SELECT t.id FROM trials t WHERE t.search_id = s.id AND t.status = 'done' "	\
	"AND t.objective IS NOT NULL ORDER BY t.objective DESC, t.id LIMIT 1) END "

#define STORE_TRIAL_SELECT						\
	"SELECT id, number, round, status, params, objective, val_acc, best_val_acc, test_acc, "	\
	"epochs, seconds, error, exit_status, signal, started_at, finished_at, "	\
	"(SELECT core FROM kernels k WHERE k.id = trials.kernel_id) FROM trials "

#define STORE_BEST_SELECT						\
	"SELECT t.search_id, t.id, t.number, t.round, (SELECT json_extract(spec, "	\
	"'$.objective.metric') FROM searches WHERE id = t.search_id), t.objective, "	\
	"t.val_acc, t.best_val_acc, t.test_acc, t.epochs, t.seconds, t.params FROM trials t "

/* The events after an id, a thin trial_start or trial_end with its trial's row. */
#define STORE_HISTORY_EVENTS						\
	"SELECT e.id, e.kind, e.search_id, e.trial_id, e.time, e.data, t.number, t.round, "	\
	"t.params, t.status, t.val_acc, t.best_val_acc, t.test_acc, t.epochs, t.seconds, "	\
	"t.objective, t.error, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "	\
	"NULL, NULL, NULL, NULL, NULL, NULL "					\
	"FROM events e LEFT JOIN trials t ON t.id = e.trial_id "		\
	"AND e.kind IN ('trial_start', 'trial_end') AND json_type(e.data, '$.number') IS NULL "

/* The reports after an id, as epoch events to rebuild. */
#define STORE_HISTORY_REPORTS						\
	"SELECT r.id, 'epoch', t.search_id, r.trial_id, NULL, NULL, t.number, NULL, t.params, "	\
	"NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, r.epoch, r.time, r.absent, "	\
	"r.v0, r.v1, r.v2, r.v3, r.v4, r.v5, r.v6, r.v7, r.v8, r.v9, r.v10, r.v11, r.more "	\
	"FROM reports r JOIN trials t ON t.id = r.trial_id "

/* Every statement, prepared once at open. */
const char *const store_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_SAVEPOINT] = "SAVEPOINT store_write",
	[S_RELEASE] = "RELEASE store_write",
	[S_ROLLBACK_TO] = "ROLLBACK TO store_write",
	[S_LAST_ID] = "SELECT max(coalesce((SELECT max(id) FROM events), 0), "
	    "coalesce((SELECT max(id) FROM reports), 0))",
	[S_SEARCH_ADD] = "INSERT INTO searches (name, mode, strategy, status, trials, parallel, "
	    "spec, class_names, created_at) VALUES (?1, ?2, ?3, 'running', ?4, ?5, ?6, ?7, "
	    STORE_NOW ")",
	[S_SEARCH_STATUS] = "UPDATE searches SET status = ?2, finished_at = CASE WHEN "
	    "?2 = 'running' THEN NULL ELSE " STORE_NOW " END WHERE id = ?1",
	[S_SEARCH_LIST] = STORE_SEARCH_SELECT "ORDER BY s.id",
	[S_SEARCH_GET] = STORE_SEARCH_SELECT "WHERE s.id = ?1",
	[S_SEARCH_TRIALS] = STORE_TRIAL_SELECT "WHERE search_id = ?1 ORDER BY number",
	[S_SEARCH_UNFINISHED] = "SELECT id FROM searches WHERE status = 'running' ORDER BY id",
	[S_SEARCH_GOAL] = "SELECT json_extract(spec, '$.objective.goal') FROM searches "
	    "WHERE id = ?1",
	[S_BEST_ALL] = STORE_BEST_SELECT "JOIN searches s ON s.id = t.search_id "
	    "WHERE ?1 = 0 AND t.status = 'done' AND t.objective IS NOT NULL "
	    "ORDER BY CASE json_extract(s.spec, '$.objective.goal') WHEN 'min' THEN t.objective "
	    "ELSE -t.objective END, t.id LIMIT ?2",
	[S_BEST_MAX] = STORE_BEST_SELECT "WHERE t.search_id = ?1 AND t.status = 'done' "
	    "AND t.objective IS NOT NULL ORDER BY t.objective DESC, t.id LIMIT ?2",
	[S_BEST_MIN] = STORE_BEST_SELECT "WHERE t.search_id = ?1 AND t.status = 'done' "
	    "AND t.objective IS NOT NULL ORDER BY t.objective, t.id LIMIT ?2",
	[S_ROUND_ADD] = "INSERT OR REPLACE INTO rounds (search_id, round, trials, box, "
	    "description, created_at) VALUES (?1, ?2, ?3, ?4, ?5, " STORE_NOW ")",
	[S_ROUNDS] = "SELECT round, trials, box, description, created_at FROM rounds "
	    "WHERE search_id = ?1 ORDER BY round",
	[S_TRIAL_FIND] = "SELECT id FROM trials WHERE search_id = ?1 AND number = ?2",
	[S_TRIAL_ADD] = "INSERT INTO trials (search_id, number, round, status, params, "
	    "started_at) VALUES (?1, ?2, ?3, 'running', ?4, " STORE_NOW ")",
	[S_TRIAL_RESET] = "UPDATE trials SET round = ?2, status = 'running', "
	    "objective = NULL, val_acc = NULL, val_loss = NULL, best_val_acc = NULL, "
	    "test_acc = NULL, test_loss = NULL, epochs = NULL, seconds = NULL, "
	    "exit_status = NULL, signal = NULL, error = NULL, kernel_id = NULL, "
	    "started_at = " STORE_NOW ", finished_at = NULL WHERE id = ?1",
	[S_TRIAL_FINISH] = "UPDATE trials SET status = ?2, val_acc = ?3, val_loss = ?4, "
	    "best_val_acc = ?5, test_acc = ?6, test_loss = ?7, epochs = ?8, seconds = ?9, "
	    "exit_status = ?10, signal = ?11, error = ?12, finished_at = " STORE_NOW ", "
	    "objective = (SELECT CASE WHEN ?13 THEN min(x) ELSE max(x) END FROM (SELECT "
	    STORE_VALUE("?14", "?15", "?16") " AS x FROM reports r, trials t "
	    "WHERE r.trial_id = ?1 AND t.id = ?1 AND r.undone IS NULL)) "
	    "WHERE id = ?1 RETURNING objective",
	[S_TRIAL_CONTINUE] = "UPDATE trials SET status = 'running', finished_at = NULL, "
	    "error = NULL, exit_status = NULL, signal = NULL WHERE id = ?1",
	[S_KERNEL_ADD] = "INSERT OR IGNORE INTO kernels (core, why) VALUES (?1, ?2)",
	[S_KERNEL_FIND] = "SELECT id FROM kernels WHERE core = ?1 AND why = ?2",
	[S_TRIAL_KERNEL] = "UPDATE trials SET kernel_id = ?2 WHERE id = ?1",
	[S_TRIAL_STATE] = "UPDATE trials SET status = ?2 WHERE id = ?1 AND status IN ('queued', "
	    "'running')",
	[S_SEARCH_KERNELS] = "SELECT k.core, k.why, t.n FROM (SELECT kernel_id, count(*) AS n, "
	    "min(number) AS first FROM trials WHERE search_id = ?1 AND kernel_id IS NOT NULL "
	    "GROUP BY kernel_id) t JOIN kernels k ON k.id = t.kernel_id ORDER BY t.first",
	[S_REPORTS_UNDO] = "UPDATE reports SET undone = 1 WHERE trial_id = ?1 AND epoch > ?2 "
	    "AND undone IS NULL",
	[S_METRICS] = "SELECT slot, name, since FROM metrics WHERE search_id = ?1 ORDER BY slot",
	[S_SEARCH_CREATED] = "SELECT CAST(round((julianday(created_at) - 2440587.5) * 86400000) "
	    "AS INTEGER) FROM searches WHERE id = ?1",
	[S_METRIC_ADD] = "INSERT INTO metrics (search_id, slot, name, since) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[S_REPORT_ADD] = "INSERT INTO reports (id, trial_id, epoch, time, absent, v0, v1, v2, "
	    "v3, v4, v5, v6, v7, v8, v9, v10, v11, more) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
	    "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
	[S_RUNG_VALUES] = "SELECT " STORE_VALUE("?3", "?4", "?5") " FROM reports r JOIN trials t "
	    "ON t.id = r.trial_id WHERE t.search_id = ?1 AND r.epoch = ?2 AND r.undone IS NULL "
	    "ORDER BY r.trial_id",
	[S_EVENT_ADD] = "INSERT INTO events (id, search_id, trial_id, time, kind, data) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_HISTORY_ALL] = STORE_HISTORY_EVENTS "WHERE ?1 = 0 AND e.id > ?2 UNION ALL "
	    STORE_HISTORY_REPORTS "WHERE ?1 = 0 AND r.id > ?2 ORDER BY 1 LIMIT ?3",
	[S_HISTORY_ONE] = STORE_HISTORY_EVENTS "WHERE e.search_id = ?1 AND e.id > ?2 UNION ALL "
	    STORE_HISTORY_REPORTS "WHERE t.search_id = ?1 AND r.id > ?2 ORDER BY 1 LIMIT ?3",
};

/* What each statement does, for error messages. */
static const char *const store_whats[S_COUNT] = {
	[S_BEGIN] = "begin transaction",
	[S_COMMIT] = "commit",
	[S_SAVEPOINT] = "savepoint",
	[S_RELEASE] = "release savepoint",
	[S_ROLLBACK_TO] = "roll back to savepoint",
	[S_LAST_ID] = "read the last event id",
	[S_SEARCH_ADD] = "insert search",
	[S_SEARCH_STATUS] = "update search status",
	[S_SEARCH_LIST] = "list searches",
	[S_SEARCH_GET] = "read search",
	[S_SEARCH_TRIALS] = "read trials",
	[S_SEARCH_UNFINISHED] = "list unfinished searches",
	[S_SEARCH_GOAL] = "read a search's goal",
	[S_BEST_ALL] = "read best trials",
	[S_BEST_MAX] = "read best trials",
	[S_BEST_MIN] = "read best trials",
	[S_ROUND_ADD] = "insert round",
	[S_ROUNDS] = "read rounds",
	[S_TRIAL_FIND] = "find trial",
	[S_TRIAL_ADD] = "insert trial",
	[S_TRIAL_RESET] = "reset trial",
	[S_TRIAL_FINISH] = "finish trial",
	[S_TRIAL_CONTINUE] = "continue trial",
	[S_KERNEL_ADD] = "insert kernel",
	[S_KERNEL_FIND] = "find kernel",
	[S_TRIAL_KERNEL] = "set a trial's kernel",
	[S_TRIAL_STATE] = "set a trial queued or running",
	[S_SEARCH_KERNELS] = "read kernels",
	[S_REPORTS_UNDO] = "mark reports undone",
	[S_METRICS] = "read metric names",
	[S_METRIC_ADD] = "insert metric name",
	[S_SEARCH_CREATED] = "read when a search was created",
	[S_REPORT_ADD] = "insert report",
	[S_RUNG_VALUES] = "read rung values",
	[S_EVENT_ADD] = "insert event",
	[S_HISTORY_ALL] = "read events",
	[S_HISTORY_ONE] = "read events",
};

/* What a statement does, for error messages. */
const char *
store_what(enum store_stmt s)
{
	return store_whats[s];
}

