-- SPDX-License-Identifier: GPL-2.0-only
--
-- lockgraph schema, version 1.  The migrations in this folder are applied
-- in file-name order on open, each in its own transaction, and each moves
-- PRAGMA user_version up by one.  Times are unix seconds (UTC).
--
-- A class is a lock class named the way lockdep names it.  An edge A -> B
-- means B was acquired while A was held; "modes" lists the (held mode ->
-- acquired mode) pairs seen, W = write/exclusive, r = read, R = recursive
-- read, for example "W->W,r->W".

CREATE TABLE hosts (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	first_seen INTEGER NOT NULL
);

-- One boot of one kernel on one host, or one ingested log (boot_id
-- "ingest:<sha>" when the log does not say which boot it came from).
CREATE TABLE boots (
	id INTEGER PRIMARY KEY,
	host_id INTEGER NOT NULL REFERENCES hosts(id),
	boot_id TEXT NOT NULL UNIQUE,
	kernel TEXT,
	origin TEXT NOT NULL CHECK (origin IN ('lockgraphd', 'ingest')),
	sources TEXT,
	first_seen INTEGER NOT NULL,
	last_seen INTEGER NOT NULL
);

CREATE TABLE classes (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	usage TEXT,
	first_seen INTEGER NOT NULL,
	last_seen INTEGER NOT NULL
);

-- Symbolised stacks, innermost frame first, one frame a line
-- ("rmap_walk_file+0x5a/0x147").  Never raw addresses: they do not
-- outlive the boot.
CREATE TABLE stacks (
	id INTEGER PRIMARY KEY,
	frames TEXT NOT NULL UNIQUE
);

CREATE TABLE edges (
	id INTEGER PRIMARY KEY,
	from_class INTEGER NOT NULL REFERENCES classes(id),
	to_class INTEGER NOT NULL REFERENCES classes(id),
	modes TEXT NOT NULL,
	count INTEGER NOT NULL DEFAULT 0,
	first_seen INTEGER NOT NULL,
	last_seen INTEGER NOT NULL,
	from_stack INTEGER REFERENCES stacks(id),
	from_task TEXT,
	to_stack INTEGER REFERENCES stacks(id),
	to_task TEXT,
	UNIQUE (from_class, to_class),
	CHECK (from_class <> to_class)
);
CREATE INDEX edges_to ON edges(to_class);

-- Where each edge was seen: per boot (and so per host).
CREATE TABLE edge_boots (
	edge_id INTEGER NOT NULL REFERENCES edges(id),
	boot_id INTEGER NOT NULL REFERENCES boots(id),
	count INTEGER NOT NULL,
	first_seen INTEGER NOT NULL,
	last_seen INTEGER NOT NULL,
	PRIMARY KEY (edge_id, boot_id)
) WITHOUT ROWID;

-- Held-lock chains (lockdep's chain key: the held classes plus the new
-- one), "a -> b -> new".
CREATE TABLE chains (
	id INTEGER PRIMARY KEY,
	classes TEXT NOT NULL UNIQUE,
	count INTEGER NOT NULL,
	first_seen INTEGER NOT NULL,
	last_seen INTEGER NOT NULL
);

-- Circular dependencies.  The signature is the class names in chain order,
-- rotated to start at the smallest name, joined by " -> ": the same circle
-- found twice is one row.  origin: 'analyzer' (found by lockgraph) or
-- 'lockdep' (a report lockdep printed, imported).
CREATE TABLE cycles (
	id INTEGER PRIMARY KEY,
	signature TEXT NOT NULL UNIQUE,
	nclasses INTEGER NOT NULL,
	status TEXT NOT NULL DEFAULT 'open'
		CHECK (status IN ('open', 'acknowledged', 'fixed', 'false-positive')),
	origin TEXT NOT NULL CHECK (origin IN ('analyzer', 'lockdep')),
	closing_edge INTEGER REFERENCES edges(id),
	first_seen INTEGER NOT NULL,
	last_seen INTEGER NOT NULL,
	report TEXT
);

-- The edges of a cycle in chain order: edge at pos goes from class pos to
-- class pos + 1 (the last one back to class 0).
CREATE TABLE cycle_edges (
	cycle_id INTEGER NOT NULL REFERENCES cycles(id),
	pos INTEGER NOT NULL,
	edge_id INTEGER NOT NULL REFERENCES edges(id),
	PRIMARY KEY (cycle_id, pos)
) WITHOUT ROWID;

-- Lock contention per class and boot (lock:contention_begin/end).
CREATE TABLE contention (
	class_id INTEGER NOT NULL REFERENCES classes(id),
	boot_id INTEGER NOT NULL REFERENCES boots(id),
	count INTEGER NOT NULL,
	total_wait_ns INTEGER NOT NULL,
	max_wait_ns INTEGER NOT NULL,
	PRIMARY KEY (class_id, boot_id)
) WITHOUT ROWID;

-- Events lost, per boot, source and reason: never silent.
CREATE TABLE drops (
	boot_id INTEGER NOT NULL REFERENCES boots(id),
	source TEXT NOT NULL,
	reason TEXT NOT NULL,
	count INTEGER NOT NULL,
	PRIMARY KEY (boot_id, source, reason)
) WITHOUT ROWID;

-- Every `lockgraph ingest` that changed the database.
CREATE TABLE ingests (
	id INTEGER PRIMARY KEY,
	path TEXT NOT NULL,
	format TEXT NOT NULL CHECK (format IN ('splat', 'proc-lockdep')),
	content_hash TEXT NOT NULL, -- "<bytes>:<fnv-1a 64>" of the input
	boot_id INTEGER NOT NULL REFERENCES boots(id),
	at INTEGER NOT NULL,
	classes_added INTEGER NOT NULL,
	edges_added INTEGER NOT NULL,
	cycles_added INTEGER NOT NULL
);
CREATE INDEX ingests_hash ON ingests(content_hash);

-- The lockdep reports an ingest found, imported or not (other kinds).
CREATE TABLE reports (
	id INTEGER PRIMARY KEY,
	ingest_id INTEGER NOT NULL REFERENCES ingests(id),
	kind TEXT NOT NULL,
	title TEXT NOT NULL,
	line INTEGER NOT NULL,
	imported INTEGER NOT NULL CHECK (imported IN (0, 1)),
	cycle_id INTEGER REFERENCES cycles(id)
);
