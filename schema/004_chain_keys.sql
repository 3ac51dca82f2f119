-- SPDX-License-Identifier: GPL-2.0-only
--
-- lockgraph schema, version 4: a chain's row id is the key of its text,
-- lg_chain_key(classes) (FNV-1a 64 of the bytes as a signed integer, the
-- same in every database and program: lg_chain_key() in schema/store.h),
-- instead of a unique index on the text.  A write that finds the key
-- holding another text is a hash collision: counted as a drop
-- ("chain_key_collision"), never merged.  Existing rows keep their text,
-- counts and times under their new key.

CREATE TABLE chains_v4 (
	id INTEGER PRIMARY KEY, -- lg_chain_key(classes)
	classes TEXT NOT NULL,
	count INTEGER NOT NULL,
	first_seen INTEGER NOT NULL,
	last_seen INTEGER NOT NULL
);
INSERT OR IGNORE INTO chains_v4 (id, classes, count, first_seen, last_seen)
SELECT lg_chain_key(classes), classes, count, first_seen, last_seen
FROM chains ORDER BY 1;
-- Two existing chains under one key (a collision): the second is left out
-- and its sightings counted as a drop of the newest boot, as a capture or
-- merge would count them.
INSERT INTO drops (boot_id, source, reason, count)
SELECT (SELECT max(id) FROM boots), 'migration', 'chain_key_collision', n
FROM (SELECT coalesce(sum(c.count), 0) AS n FROM chains c
      WHERE NOT EXISTS (SELECT 1 FROM chains_v4 v WHERE
			v.id = lg_chain_key(c.classes) AND
			v.classes = c.classes))
WHERE n > 0 AND EXISTS (SELECT 1 FROM boots)
ON CONFLICT (boot_id, source, reason) DO UPDATE SET
	count = count + excluded.count;
DROP TABLE chains;
ALTER TABLE chains_v4 RENAME TO chains;
