-- 002-rounds.sql: the rounds of a coarse-to-fine search and the box each one sampled.
--
--   -- the boxes of search 3, round by round:
--   select round, trials, description from rounds where search_id = 3 order by round;

CREATE TABLE rounds (
	search_id INTEGER NOT NULL REFERENCES searches(id),
	round INTEGER NOT NULL,		-- from 1
	trials INTEGER NOT NULL,	-- trials sampled in this round
	box TEXT NOT NULL,		-- JSON: {"alpha":{"min":…,"max":…}, "optimizer":{"values":[…]}, …}
	description TEXT NOT NULL,	-- "alpha 3.1e-04..2.0e-03, beta1 0.97..0.995, …"
	created_at TEXT NOT NULL,
	PRIMARY KEY (search_id, round)
) WITHOUT ROWID;
