-- SPDX-License-Identifier: GPL-2.0-only
--
-- lockgraph schema, version 2: which probe sources lockgraphd loaded on
-- each boot, why the others did not load, and how many events each sent.

CREATE TABLE boot_sources (
	boot_id INTEGER NOT NULL REFERENCES boots(id),
	source TEXT NOT NULL,
	loaded INTEGER NOT NULL CHECK (loaded IN (0, 1)),
	reason TEXT,
	events INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (boot_id, source)
) WITHOUT ROWID;
