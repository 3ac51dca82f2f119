-- SPDX-License-Identifier: GPL-2.0-only
--
-- lockgraph schema, version 3: the databases `lockgraph merge` took in.
-- An input is known by a fingerprint of its content (names, not row ids),
-- so merging the same input again changes nothing.

CREATE TABLE merges (
	id INTEGER PRIMARY KEY,
	path TEXT NOT NULL,
	fingerprint TEXT NOT NULL UNIQUE, -- "<rows>:<fnv-1a 64>" of the content
	at INTEGER NOT NULL,
	hosts INTEGER NOT NULL,
	boots INTEGER NOT NULL,
	edges INTEGER NOT NULL,
	classes_added INTEGER NOT NULL,
	edges_added INTEGER NOT NULL,
	cycles_added INTEGER NOT NULL
);
