-- 001-schema.sql: tuna's database: searches, their trials, per-epoch curves and the event log.
--
-- PRAGMA user_version counts the migrations (sql/NNN-*.sql) applied; tunad applies the missing
-- ones at start. Times are UTC text 'YYYY-MM-DD HH:MM:SS.SSS', so sqlite3's date functions work.
-- Open the database with: sqlite3 ~/.local/state/tuna/tuna.db   (or $TUNA_DB)
--
-- The queries used most:
--
--   -- the best 5 trials of search 3:
--   select * from best_trials where search_id = 3 limit 5;
--
--   -- accuracy against the learning rate α, per decade:
--   select floor(log10(json_extract(params, '$.alpha'))) as decade, count(*), max(val_acc),
--       avg(val_acc) from trials where search_id = 3 and status = 'done' group by decade;
--
--   -- (the same where sqlite3 lacks the math functions: the decade is the printf %e exponent)
--   select cast(substr(printf('%e', value), instr(printf('%e', value), 'e') + 1) as integer)
--       as decade, count(*), max(val_acc), avg(val_acc) from trials join trial_params
--       on trial_id = id where search_id = 3 and status = 'done' and name = 'alpha'
--       group by decade;
--
--   -- the learning curve of trial 17:
--   select epoch, train_loss, val_loss, val_acc, alpha from epochs where trial_id = 17
--       order by epoch;

CREATE TABLE searches (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	mode TEXT NOT NULL,		-- caviar (parallel) or panda (one at a time)
	strategy TEXT NOT NULL,		-- random, coarse-to-fine
	status TEXT NOT NULL,		-- running, done, cancelled, failed
	trials INTEGER NOT NULL,	-- requested
	parallel INTEGER NOT NULL,
	spec TEXT NOT NULL,		-- the normalized spec, JSON
	created_at TEXT NOT NULL,
	finished_at TEXT
);

CREATE TABLE trials (
	id INTEGER PRIMARY KEY,
	search_id INTEGER NOT NULL REFERENCES searches(id),
	number INTEGER NOT NULL,	-- 0-based within the search
	round INTEGER NOT NULL DEFAULT 1,
	status TEXT NOT NULL,		-- queued running done diverged failed cancelled
					-- interrupted pruned
	params TEXT NOT NULL,		-- JSON object: json_extract(params, '$.alpha')
	val_acc REAL,			-- the final epoch's validation accuracy
	val_loss REAL,
	best_val_acc REAL,		-- the best validation accuracy over the epochs
	test_acc REAL,
	test_loss REAL,
	epochs INTEGER,
	seconds REAL,
	exit_status INTEGER,
	signal INTEGER,
	error TEXT,
	started_at TEXT,
	finished_at TEXT,
	UNIQUE (search_id, number)
);
CREATE INDEX trials_search_status ON trials (search_id, status);
CREATE INDEX trials_search_val_acc ON trials (search_id, val_acc);

-- One row per hyperparameter of a trial: value is REAL (INTEGER if integral) for numbers,
-- TEXT for categorical values like 'adam', INTEGER 0/1 for booleans.
CREATE TABLE trial_params (
	trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	value,
	PRIMARY KEY (trial_id, name)
) WITHOUT ROWID;

CREATE TABLE epochs (
	trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
	epoch INTEGER NOT NULL,
	train_loss REAL,
	train_acc REAL,
	val_loss REAL,
	val_acc REAL,
	alpha REAL,			-- the learning rate used in this epoch
	beta REAL,			-- momentum β, or Adam's β1
	seconds REAL,
	PRIMARY KEY (trial_id, epoch)
) WITHOUT ROWID;

CREATE TABLE events (
	id INTEGER PRIMARY KEY,
	search_id INTEGER REFERENCES searches(id),	-- NULL: not about a search
	trial_id INTEGER,
	time TEXT NOT NULL,
	kind TEXT NOT NULL,		-- search_start trial_start epoch trial_end search_end log
	data TEXT			-- JSON object
);
CREATE INDEX events_search ON events (search_id, id);

-- Done trials ranked by final validation accuracy within their search, latest search first:
-- select * from best_trials limit 5 shows the latest search's best 5.
CREATE VIEW best_trials AS
SELECT search_id,
	rank() OVER (PARTITION BY search_id ORDER BY val_acc DESC) AS rank,
	id AS trial_id, number, round, val_acc, best_val_acc, test_acc, epochs, seconds, params
FROM trials
WHERE status = 'done'
ORDER BY search_id DESC, rank, trial_id;

-- One row per search: trial counts by status, the best done trial, the time taken so far.
CREATE VIEW search_progress AS
SELECT s.id AS search_id, s.name, s.status, s.trials,
	count(t.id) FILTER (WHERE t.status = 'done') AS done,
	count(t.id) FILTER (WHERE t.status = 'running') AS running,
	count(t.id) FILTER (WHERE t.status IN ('failed', 'diverged')) AS failed,
	count(t.id) FILTER (WHERE t.status = 'cancelled') AS cancelled,
	count(t.id) FILTER (WHERE t.status = 'pruned') AS pruned,
	max(t.val_acc) FILTER (WHERE t.status = 'done') AS best_val_acc,
	(SELECT b.id FROM trials b WHERE b.search_id = s.id AND b.status = 'done'
	    ORDER BY b.val_acc DESC, b.id LIMIT 1) AS best_trial_id,
	s.created_at, s.finished_at,
	round((julianday(coalesce(s.finished_at, 'now')) - julianday(s.created_at)) * 86400, 3)
	    AS elapsed_seconds
FROM searches s LEFT JOIN trials t ON t.search_id = s.id
GROUP BY s.id
ORDER BY s.id;
