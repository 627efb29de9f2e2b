-- 004-reports.sql: each fact once, any named metric, an objective with a direction.
--
-- An epoch a trial reports is one row of `reports`, in its place among the events: its id is
-- taken from the same sequence as events.id, and watch and tuna tail rebuild the epoch events
-- from it (until now every epoch was also a JSON event). Its numbers are named metrics: the
-- names a search's trainer reports each get a slot (`metrics`), v0 … v11 of `reports`; more
-- names than slots go into `more`, a JSON object. A number equal to the trial's
-- hyperparameter of the same name (the α or β a trial was given, reported at every epoch) is
-- that fact already: it is stored NULL and read back from trials.params (a null reported
-- for such a name goes into `more`). A slot the report did not carry has its bit set in
-- `absent`; a report older than a slot's name (metrics.since) does not carry it either. An epoch rolled back (panda), or run again (a
-- retry, a restart), is kept, marked `undone`: a later report of the trial went back to it or
-- before. The views read it all plainly: report_values (one row per number), epochs (the
-- built-in trainer's numbers by name, as before).
--
-- A search ranks its trials by an objective, "objective": {"metric", "goal": "max"|"min"} in
-- its spec (val_acc/max until now, and for every search made before): trials.objective is the
-- best value of that metric over the trial's epochs, in that direction.
--
-- trial_params, a copy of trials.params row by row, becomes a view of it; trial_start and
-- trial_end events keep in `data` only what their trial's row does not say (the rest is read
-- from it, as for epochs).
--
--   -- the learning curve of trial 17, every number it reported:
--   select epoch, name, value from report_values where trial_id = 17 and undone is null
--       order by epoch, name;

CREATE TABLE metrics (
	search_id INTEGER NOT NULL REFERENCES searches(id),
	slot INTEGER NOT NULL,		-- the column of reports holding it: 0 is v0, … 11 is v11
	name TEXT NOT NULL,
	since INTEGER NOT NULL,		-- the id of the first report with it (earlier ones lack it)
	PRIMARY KEY (search_id, slot),
	UNIQUE (search_id, name)
) WITHOUT ROWID;

CREATE TABLE reports (
	id INTEGER PRIMARY KEY,		-- its place among the events (the sequence of events.id)
	trial_id INTEGER NOT NULL REFERENCES trials(id),
	epoch INTEGER NOT NULL,
	time INTEGER NOT NULL,		-- when: milliseconds after its search's created_at
	absent INTEGER,			-- bit s set: slot s was not reported (NULL: all were)
	undone INTEGER,			-- 1: rolled back or run again; NULL: it stands
	v0 REAL, v1 REAL, v2 REAL, v3 REAL, v4 REAL, v5 REAL,
	v6 REAL, v7 REAL, v8 REAL, v9 REAL, v10 REAL, v11 REAL,
	more TEXT			-- names beyond the 12 slots: a JSON object
);
CREATE INDEX reports_trial ON reports (trial_id);

-- The objective: every search says it in its spec (the default for those made before).
UPDATE searches SET spec = json_set(spec, '$.objective', json('{"metric":"val_acc","goal":"max"}'))
WHERE json_type(spec, '$.objective') IS NULL;

ALTER TABLE trials ADD COLUMN objective REAL;	-- the best epoch's value, in the goal's direction

-- The slots: each search's names in the order they first came (an epoch event's keys, minus
-- "epoch" and "number", numbers or nulls).
INSERT INTO metrics (search_id, slot, name, since)
SELECT search_id, slot, name, first / 1000000 FROM (
	SELECT search_id, name, first,
	    row_number() OVER (PARTITION BY search_id ORDER BY first) - 1 AS slot
	FROM (
		SELECT e.search_id, j.key AS name, min(e.id * 1000000 + j.id) AS first
		FROM events e, json_each(e.data) j
		WHERE e.kind = 'epoch' AND e.search_id IS NOT NULL
		    AND j.key NOT IN ('epoch', 'number')
		    AND j.type IN ('integer', 'real', 'null')
		GROUP BY e.search_id, j.key
	)
)
WHERE slot < 12;

-- Every epoch event, a report.
INSERT INTO reports (id, trial_id, epoch, time, absent, undone,
    v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, more)
SELECT e.id, e.trial_id, json_extract(e.data, '$.epoch'),
    CAST(round((julianday(e.time) - julianday(s.created_at)) * 86400000) AS INTEGER),
    (SELECT nullif(sum(1 << m.slot), 0) FROM metrics m WHERE m.search_id = e.search_id
	AND json_type(e.data, '$."' || m.name || '"') IS NULL),
    CASE WHEN EXISTS (SELECT 1 FROM events l WHERE l.kind = 'epoch'
	AND l.trial_id = e.trial_id AND l.id > e.id
	AND json_extract(l.data, '$.epoch') <= json_extract(e.data, '$.epoch')) THEN 1 END,
    (SELECT nullif(json_extract(e.data, '$."' || name || '"'),
	json_extract(t.params, '$."' || name || '"')) FROM metrics WHERE search_id = e.search_id
	AND slot = 0),
    (SELECT nullif(json_extract(e.data, '$."' || name || '"'),
	json_extract(t.params, '$."' || name || '"')) FROM metrics WHERE search_id = e.search_id
	AND slot = 1),
    (SELECT nullif(json_extract(e.data, '$."' || name || '"'),
	json_extract(t.params, '$."' || name || '"')) FROM metrics WHERE search_id = e.search_id
	AND slot = 2),
    (SELECT nullif(json_extract(e.data, '$."' || name || '"'),
	json_extract(t.params, '$."' || name || '"')) FROM metrics WHERE search_id = e.search_id
	AND slot = 3),
    (SELECT nullif(json_extract(e.data, '$."' || name || '"'),
	json_extract(t.params, '$."' || name || '"')) FROM metrics WHERE search_id = e.search_id
	AND slot = 4),
    (SELECT nullif(json_extract(e.data, '$."' || name || '"'),
	json_extract(t.params, '$."' || name || '"')) FROM metrics WHERE search_id = e.search_id
	AND slot = 5),
    (SELECT nullif(json_extract(e.data, '$."' || name || '"'),
	json_extract(t.params, '$."' || name || '"')) FROM metrics WHERE search_id = e.search_id
	AND slot = 6),
    (SELECT nullif(json_extract(e.data, '$."' || name || '"'),
	json_extract(t.params, '$."' || name || '"')) FROM metrics WHERE search_id = e.search_id
	AND slot = 7),
    (SELECT nullif(json_extract(e.data, '$."' || name || '"'),
	json_extract(t.params, '$."' || name || '"')) FROM metrics WHERE search_id = e.search_id
	AND slot = 8),
    (SELECT nullif(json_extract(e.data, '$."' || name || '"'),
	json_extract(t.params, '$."' || name || '"')) FROM metrics WHERE search_id = e.search_id
	AND slot = 9),
    (SELECT nullif(json_extract(e.data, '$."' || name || '"'),
	json_extract(t.params, '$."' || name || '"')) FROM metrics WHERE search_id = e.search_id
	AND slot = 10),
    (SELECT nullif(json_extract(e.data, '$."' || name || '"'),
	json_extract(t.params, '$."' || name || '"')) FROM metrics WHERE search_id = e.search_id
	AND slot = 11),
    (SELECT json_group_object(j.key, j.value) FROM json_each(e.data) j
	WHERE j.key NOT IN ('epoch', 'number') AND j.type IN ('integer', 'real', 'null')
	AND j.key NOT IN (SELECT name FROM metrics WHERE search_id = e.search_id)
	HAVING count(*) > 0)
FROM events e JOIN trials t ON t.id = e.trial_id JOIN searches s ON s.id = e.search_id
WHERE e.kind = 'epoch';

DELETE FROM events WHERE kind = 'epoch';
DROP TABLE epochs;

-- A trial's objective: its best epoch's val_acc (the objective of every search so far).
UPDATE trials SET objective = (
	SELECT max(r.v) FROM (
		SELECT coalesce(CASE m.slot WHEN 0 THEN r.v0 WHEN 1 THEN r.v1 WHEN 2 THEN r.v2
		    WHEN 3 THEN r.v3 WHEN 4 THEN r.v4 WHEN 5 THEN r.v5 WHEN 6 THEN r.v6
		    WHEN 7 THEN r.v7 WHEN 8 THEN r.v8 WHEN 9 THEN r.v9 WHEN 10 THEN r.v10
		    WHEN 11 THEN r.v11 END, json_extract(r.more, '$.val_acc')) AS v
		FROM reports r LEFT JOIN metrics m ON m.search_id = trials.search_id
		    AND m.name = 'val_acc'
		WHERE r.trial_id = trials.id AND r.undone IS NULL
	) r
);

DROP INDEX trials_search_val_acc;
-- The done trials of each search by objective, best first for max (backwards for min): the
-- best trials read without a sort, also at 100,000 trials. (trials_search_status stays: it
-- reads a search's trials of a status in the table's order, which a scan of them all wants.)
CREATE INDEX trials_best ON trials (search_id DESC, objective DESC) WHERE status = 'done';

DROP TABLE trial_params;
-- One row per hyperparameter of a trial, read from trials.params: numbers, text for
-- categorical values like 'adam', 0/1 for booleans.
CREATE VIEW trial_params AS
SELECT t.id AS trial_id, j.key AS name, j.value AS value FROM trials t, json_each(t.params) j;

-- Every number of every report, by name: a slot's value (or, stored NULL, the trial's
-- hyperparameter of that name: a null reported for a name the trial has no hyperparameter of
-- stays null), then the names beyond the slots.
CREATE VIEW report_values AS
SELECT r.id AS report_id, r.trial_id, r.epoch, r.undone, m.name,
    coalesce(CASE m.slot WHEN 0 THEN r.v0 WHEN 1 THEN r.v1 WHEN 2 THEN r.v2 WHEN 3 THEN r.v3
	WHEN 4 THEN r.v4 WHEN 5 THEN r.v5 WHEN 6 THEN r.v6 WHEN 7 THEN r.v7 WHEN 8 THEN r.v8
	WHEN 9 THEN r.v9 WHEN 10 THEN r.v10 WHEN 11 THEN r.v11 END,
	CASE json_type(t.params, '$."' || m.name || '"')
	    WHEN 'integer' THEN CAST(json_extract(t.params, '$."' || m.name || '"') AS REAL)
	    WHEN 'real' THEN json_extract(t.params, '$."' || m.name || '"') END) AS value
FROM reports r JOIN trials t ON t.id = r.trial_id JOIN metrics m ON m.search_id = t.search_id
WHERE r.id >= m.since AND coalesce(r.absent, 0) & (1 << m.slot) = 0
UNION ALL
SELECT r.id, r.trial_id, r.epoch, r.undone, j.key, j.value
FROM reports r, json_each(r.more) j WHERE r.more IS NOT NULL;

-- The built-in trainer's numbers of the epochs that stand, by name, as the epochs table had
-- them (beta: momentum's β, or Adam's β1). Each is report_values' value for its name, looked up
-- through the report's trial (an index each: where trial_id = 17 reads 17's reports only).
CREATE VIEW epochs AS
SELECT r.trial_id, r.epoch,
    coalesce((SELECT CASE WHEN r.id >= m.since AND coalesce(r.absent, 0) & (1 << m.slot) = 0
	THEN coalesce(CASE m.slot WHEN 0 THEN r.v0 WHEN 1 THEN r.v1 WHEN 2 THEN r.v2 WHEN 3 THEN r.v3 WHEN 4 THEN r.v4 WHEN 5 THEN r.v5 WHEN 6 THEN r.v6 WHEN 7 THEN r.v7 WHEN 8 THEN r.v8 WHEN 9 THEN r.v9 WHEN 10 THEN r.v10 WHEN 11 THEN r.v11 END,
	    CASE json_type(t.params, '$."train_loss"') WHEN 'integer' THEN CAST(json_extract(t.params, '$."train_loss"') AS REAL)
	    WHEN 'real' THEN json_extract(t.params, '$."train_loss"') END) END
    FROM metrics m WHERE m.search_id = t.search_id AND m.name = 'train_loss'), json_extract(r.more, '$."train_loss"')) AS train_loss,
    coalesce((SELECT CASE WHEN r.id >= m.since AND coalesce(r.absent, 0) & (1 << m.slot) = 0
	THEN coalesce(CASE m.slot WHEN 0 THEN r.v0 WHEN 1 THEN r.v1 WHEN 2 THEN r.v2 WHEN 3 THEN r.v3 WHEN 4 THEN r.v4 WHEN 5 THEN r.v5 WHEN 6 THEN r.v6 WHEN 7 THEN r.v7 WHEN 8 THEN r.v8 WHEN 9 THEN r.v9 WHEN 10 THEN r.v10 WHEN 11 THEN r.v11 END,
	    CASE json_type(t.params, '$."train_acc"') WHEN 'integer' THEN CAST(json_extract(t.params, '$."train_acc"') AS REAL)
	    WHEN 'real' THEN json_extract(t.params, '$."train_acc"') END) END
    FROM metrics m WHERE m.search_id = t.search_id AND m.name = 'train_acc'), json_extract(r.more, '$."train_acc"')) AS train_acc,
    coalesce((SELECT CASE WHEN r.id >= m.since AND coalesce(r.absent, 0) & (1 << m.slot) = 0
	THEN coalesce(CASE m.slot WHEN 0 THEN r.v0 WHEN 1 THEN r.v1 WHEN 2 THEN r.v2 WHEN 3 THEN r.v3 WHEN 4 THEN r.v4 WHEN 5 THEN r.v5 WHEN 6 THEN r.v6 WHEN 7 THEN r.v7 WHEN 8 THEN r.v8 WHEN 9 THEN r.v9 WHEN 10 THEN r.v10 WHEN 11 THEN r.v11 END,
	    CASE json_type(t.params, '$."val_loss"') WHEN 'integer' THEN CAST(json_extract(t.params, '$."val_loss"') AS REAL)
	    WHEN 'real' THEN json_extract(t.params, '$."val_loss"') END) END
    FROM metrics m WHERE m.search_id = t.search_id AND m.name = 'val_loss'), json_extract(r.more, '$."val_loss"')) AS val_loss,
    coalesce((SELECT CASE WHEN r.id >= m.since AND coalesce(r.absent, 0) & (1 << m.slot) = 0
	THEN coalesce(CASE m.slot WHEN 0 THEN r.v0 WHEN 1 THEN r.v1 WHEN 2 THEN r.v2 WHEN 3 THEN r.v3 WHEN 4 THEN r.v4 WHEN 5 THEN r.v5 WHEN 6 THEN r.v6 WHEN 7 THEN r.v7 WHEN 8 THEN r.v8 WHEN 9 THEN r.v9 WHEN 10 THEN r.v10 WHEN 11 THEN r.v11 END,
	    CASE json_type(t.params, '$."val_acc"') WHEN 'integer' THEN CAST(json_extract(t.params, '$."val_acc"') AS REAL)
	    WHEN 'real' THEN json_extract(t.params, '$."val_acc"') END) END
    FROM metrics m WHERE m.search_id = t.search_id AND m.name = 'val_acc'), json_extract(r.more, '$."val_acc"')) AS val_acc,
    coalesce((SELECT CASE WHEN r.id >= m.since AND coalesce(r.absent, 0) & (1 << m.slot) = 0
	THEN coalesce(CASE m.slot WHEN 0 THEN r.v0 WHEN 1 THEN r.v1 WHEN 2 THEN r.v2 WHEN 3 THEN r.v3 WHEN 4 THEN r.v4 WHEN 5 THEN r.v5 WHEN 6 THEN r.v6 WHEN 7 THEN r.v7 WHEN 8 THEN r.v8 WHEN 9 THEN r.v9 WHEN 10 THEN r.v10 WHEN 11 THEN r.v11 END,
	    CASE json_type(t.params, '$."alpha"') WHEN 'integer' THEN CAST(json_extract(t.params, '$."alpha"') AS REAL)
	    WHEN 'real' THEN json_extract(t.params, '$."alpha"') END) END
    FROM metrics m WHERE m.search_id = t.search_id AND m.name = 'alpha'), json_extract(r.more, '$."alpha"')) AS alpha,
    coalesce(coalesce((SELECT CASE WHEN r.id >= m.since AND coalesce(r.absent, 0) & (1 << m.slot) = 0
	THEN coalesce(CASE m.slot WHEN 0 THEN r.v0 WHEN 1 THEN r.v1 WHEN 2 THEN r.v2 WHEN 3 THEN r.v3 WHEN 4 THEN r.v4 WHEN 5 THEN r.v5 WHEN 6 THEN r.v6 WHEN 7 THEN r.v7 WHEN 8 THEN r.v8 WHEN 9 THEN r.v9 WHEN 10 THEN r.v10 WHEN 11 THEN r.v11 END,
	    CASE json_type(t.params, '$."beta"') WHEN 'integer' THEN CAST(json_extract(t.params, '$."beta"') AS REAL)
	    WHEN 'real' THEN json_extract(t.params, '$."beta"') END) END
    FROM metrics m WHERE m.search_id = t.search_id AND m.name = 'beta'), json_extract(r.more, '$."beta"')),
    coalesce((SELECT CASE WHEN r.id >= m.since AND coalesce(r.absent, 0) & (1 << m.slot) = 0
	THEN coalesce(CASE m.slot WHEN 0 THEN r.v0 WHEN 1 THEN r.v1 WHEN 2 THEN r.v2 WHEN 3 THEN r.v3 WHEN 4 THEN r.v4 WHEN 5 THEN r.v5 WHEN 6 THEN r.v6 WHEN 7 THEN r.v7 WHEN 8 THEN r.v8 WHEN 9 THEN r.v9 WHEN 10 THEN r.v10 WHEN 11 THEN r.v11 END,
	    CASE json_type(t.params, '$."beta1"') WHEN 'integer' THEN CAST(json_extract(t.params, '$."beta1"') AS REAL)
	    WHEN 'real' THEN json_extract(t.params, '$."beta1"') END) END
    FROM metrics m WHERE m.search_id = t.search_id AND m.name = 'beta1'), json_extract(r.more, '$."beta1"'))) AS beta,
    coalesce((SELECT CASE WHEN r.id >= m.since AND coalesce(r.absent, 0) & (1 << m.slot) = 0
	THEN coalesce(CASE m.slot WHEN 0 THEN r.v0 WHEN 1 THEN r.v1 WHEN 2 THEN r.v2 WHEN 3 THEN r.v3 WHEN 4 THEN r.v4 WHEN 5 THEN r.v5 WHEN 6 THEN r.v6 WHEN 7 THEN r.v7 WHEN 8 THEN r.v8 WHEN 9 THEN r.v9 WHEN 10 THEN r.v10 WHEN 11 THEN r.v11 END,
	    CASE json_type(t.params, '$."seconds"') WHEN 'integer' THEN CAST(json_extract(t.params, '$."seconds"') AS REAL)
	    WHEN 'real' THEN json_extract(t.params, '$."seconds"') END) END
    FROM metrics m WHERE m.search_id = t.search_id AND m.name = 'seconds'), json_extract(r.more, '$."seconds"')) AS seconds
FROM reports r JOIN trials t ON t.id = r.trial_id WHERE r.undone IS NULL;

-- Done trials ranked by their objective within their search, in its direction, best first (ties
-- share a rank); a trial without an objective value is not ranked. The rank is computed over
-- the trials_best index alone and a trial's columns read for the rows asked for: where
-- search_id = 3 limit 5 reads the 5 (and the ties of the first), also at 100,000 trials.
-- Rows come best first within a search (for a guaranteed order: order by search_id, rank).
DROP VIEW best_trials;
CREATE VIEW best_trials AS
SELECT w.search_id, w.rank, w.id AS trial_id,
    (SELECT number FROM trials x WHERE x.id = w.id) AS number, (SELECT round FROM trials x WHERE x.id = w.id) AS round, (SELECT val_acc FROM trials x WHERE x.id = w.id) AS val_acc, (SELECT best_val_acc FROM trials x WHERE x.id = w.id) AS best_val_acc, (SELECT test_acc FROM trials x WHERE x.id = w.id) AS test_acc, (SELECT epochs FROM trials x WHERE x.id = w.id) AS epochs, (SELECT seconds FROM trials x WHERE x.id = w.id) AS seconds, (SELECT params FROM trials x WHERE x.id = w.id) AS params,
    w.objective
FROM (SELECT search_id, id, objective,
	rank() OVER (PARTITION BY search_id ORDER BY objective DESC) AS rank
    FROM trials t WHERE status = 'done' AND objective IS NOT NULL AND (SELECT coalesce(
	json_extract(spec, '$.objective.goal'), 'max') FROM searches WHERE id = t.search_id) <> 'min') w
UNION ALL
SELECT w.search_id, w.rank, w.id AS trial_id,
    (SELECT number FROM trials x WHERE x.id = w.id) AS number, (SELECT round FROM trials x WHERE x.id = w.id) AS round, (SELECT val_acc FROM trials x WHERE x.id = w.id) AS val_acc, (SELECT best_val_acc FROM trials x WHERE x.id = w.id) AS best_val_acc, (SELECT test_acc FROM trials x WHERE x.id = w.id) AS test_acc, (SELECT epochs FROM trials x WHERE x.id = w.id) AS epochs, (SELECT seconds FROM trials x WHERE x.id = w.id) AS seconds, (SELECT params FROM trials x WHERE x.id = w.id) AS params,
    w.objective
FROM (SELECT search_id, id, objective,
	rank() OVER (PARTITION BY search_id ORDER BY objective) AS rank
    FROM trials t WHERE status = 'done' AND objective IS NOT NULL AND (SELECT
	json_extract(spec, '$.objective.goal') FROM searches WHERE id = t.search_id) = 'min') w;

-- One row per search: trial counts by status, the best done trial by the objective, the time
-- taken so far.
DROP VIEW search_progress;
CREATE VIEW search_progress AS
SELECT s.id AS search_id, s.name, s.status, s.trials,
	(SELECT count(*) FROM trials t WHERE t.search_id = s.id AND t.status = 'done') AS done,
	(SELECT count(*) FROM trials t WHERE t.search_id = s.id AND t.status = 'running')
	    AS running,
	(SELECT count(*) FROM trials t WHERE t.search_id = s.id
	    AND t.status IN ('failed', 'diverged')) AS failed,
	(SELECT count(*) FROM trials t WHERE t.search_id = s.id AND t.status = 'cancelled')
	    AS cancelled,
	(SELECT count(*) FROM trials t WHERE t.search_id = s.id AND t.status = 'pruned')
	    AS pruned,
	json_extract(s.spec, '$.objective.metric') AS objective,
	json_extract(s.spec, '$.objective.goal') AS goal,
	b.objective AS best, b.id AS best_trial_id,
	s.created_at, s.finished_at,
	round((julianday(coalesce(s.finished_at, 'now')) - julianday(s.created_at)) * 86400, 3)
	    AS elapsed_seconds
FROM searches s LEFT JOIN trials b ON b.id = CASE json_extract(s.spec, '$.objective.goal')
	WHEN 'min' THEN (SELECT t.id FROM trials t WHERE t.search_id = s.id AND t.status = 'done'
	    AND t.objective IS NOT NULL ORDER BY t.objective, t.id LIMIT 1)
	ELSE (SELECT t.id FROM trials t WHERE t.search_id = s.id AND t.status = 'done'
	    AND t.objective IS NOT NULL ORDER BY t.objective DESC, t.id LIMIT 1) END
ORDER BY s.id;
