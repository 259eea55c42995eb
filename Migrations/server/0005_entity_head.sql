-- An entity's current document is stored once, in its newest entity_version row, instead of
-- twice. `entity` kept a copy of the same 6-10 KB JSON the changeset had just written as the
-- new version, so every write encoded and stored each document twice and rewrote its overflow
-- pages (galley-bench write, BENCHMARKS.md). The per-entity columns stay in `entity_head`;
-- `entity` becomes a view that joins the head to its current version, so every reader keeps
-- its query. The committer writes `entity_head` only.
CREATE TABLE entity_head (
    id         TEXT PRIMARY KEY,
    type       TEXT NOT NULL CHECK (type IN ('article', 'media', 'link')),
    version    INTEGER NOT NULL,  -- entity_version (id, version) holds the current document
    seq        INTEGER NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL
) WITHOUT ROWID;

INSERT INTO entity_head (id, type, version, seq, deleted, created_at, updated_at, created_by, updated_by)
    SELECT id, type, version, seq, deleted, created_at, updated_at, created_by, updated_by FROM entity;

DROP TABLE entity;

CREATE INDEX entity_head_seq ON entity_head (seq);
CREATE INDEX entity_head_type_id ON entity_head (type, id);   -- sync snapshot pages are keyed by (type, id)

CREATE VIEW entity AS
    SELECT h.id, h.type, h.version, h.seq, h.deleted, v.data, h.created_at, h.updated_at, h.created_by, h.updated_by
    FROM entity_head h JOIN entity_version v ON v.id = h.id AND v.version = h.version;
