-- The local view becomes an ordinary rowid table, with `id` as a unique index. It was WITHOUT
-- ROWID, which stores each row inside its primary-key B-tree: with 6-10 KB documents every key
-- spills onto overflow pages, and SQLite reads a spilled key's whole record to compare it, so
-- each step of every lookup and insert read whole documents (the server's entity_version had
-- the same layout; BENCHMARKS.md, "rowid tables"). Rows keep their columns and generated lookups.
CREATE TABLE entity_rows (
    id         TEXT NOT NULL PRIMARY KEY,
    type       TEXT NOT NULL CHECK (type IN ('article', 'media', 'link')),
    version    INTEGER NOT NULL,   -- the server version this state is based on; 0: created here,
                                   -- not on the server yet
    seq        INTEGER NOT NULL,   -- the server changeset of that version (0 when local only)
    deleted    INTEGER NOT NULL DEFAULT 0,
    data       TEXT NOT NULL,      -- JSON object (for a tombstone: the last state known, maybe {})
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    snapshot_generation INTEGER NOT NULL DEFAULT 0,  -- the snapshot that last delivered it
    -- Lookups the content rules need (slugs are unique among live articles; links per article).
    slug    TEXT GENERATED ALWAYS AS (CASE WHEN type = 'article' AND deleted = 0 THEN json_extract(data, '$.slug') END) VIRTUAL,
    from_id TEXT GENERATED ALWAYS AS (CASE WHEN type = 'link' AND deleted = 0 THEN json_extract(data, '$.fromId') END) VIRTUAL,
    to_id   TEXT GENERATED ALWAYS AS (CASE WHEN type = 'link' AND deleted = 0 THEN json_extract(data, '$.toId') END) VIRTUAL
);

INSERT INTO entity_rows (id, type, version, seq, deleted, data, created_at, updated_at, created_by, updated_by, snapshot_generation)
    SELECT id, type, version, seq, deleted, data, created_at, updated_at, created_by, updated_by, snapshot_generation FROM entity;

DROP TABLE entity;
ALTER TABLE entity_rows RENAME TO entity;

CREATE INDEX entity_type ON entity (type, id);
CREATE INDEX entity_slug ON entity (slug) WHERE slug IS NOT NULL;
CREATE INDEX entity_link_from ON entity (from_id) WHERE from_id IS NOT NULL;
CREATE INDEX entity_link_to ON entity (to_id) WHERE to_id IS NOT NULL;
