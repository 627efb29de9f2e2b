-- 005-kernels.sql: the BLAS kernel each trial ran on, and why it was chosen.
--
-- A worker names its kernel in a trial's start event: the OpenBLAS core ("SkylakeX",
-- "Haswell", …) and a sentence saying why ("OpenBLAS chose Prescott; SkylakeX verified, 4.9×
-- faster at the trainer's shapes: using it", "set by the user (OPENBLAS_CORETYPE=Haswell)").
-- Each (core, why) is stored once, in `kernels`; a trial points at its row (a small integer:
-- 100,000 trials on one kernel add a byte or two each, and no index: nothing looks trials up
-- by kernel but a search's own trials, read by search_id). A trial whose worker did not say
-- (an older worker, another trainer, a database tuna 1 made) has kernel_id NULL. A why the
-- worker did not give is ''.
--
--   -- the kernel of every trial of search 3:
--   select trial_id, core, why from trial_kernels where search_id = 3;
--   -- the kernels search 3 ran on, and on how many trials:
--   select core, why, count(*) from trial_kernels where search_id = 3 group by core, why;

CREATE TABLE kernels (
	id INTEGER PRIMARY KEY,
	core TEXT NOT NULL,		-- the OpenBLAS core, "SkylakeX"
	why TEXT NOT NULL,		-- why this core: a sentence, or ''
	UNIQUE (core, why)
);

ALTER TABLE trials ADD COLUMN kernel_id INTEGER REFERENCES kernels(id);	-- NULL: not said

-- One row per trial whose kernel is known.
CREATE VIEW trial_kernels AS
SELECT t.id AS trial_id, t.search_id, k.core, k.why
FROM trials t JOIN kernels k ON k.id = t.kernel_id;
