-- 003-class-names.sql: the names of a search's classes, when its data set labels them with
-- text (an iris-style CSV: setosa, versicolor, …); class k of the trainer is the k-th name.
--
--   -- the classes of search 3:
--   select value from searches, json_each(class_names) where id = 3 order by key;

ALTER TABLE searches ADD COLUMN class_names TEXT;	-- JSON array of strings, or NULL (integer labels)
