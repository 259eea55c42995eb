-- The local view's lookups (an article's slug, a link's two ends) become ordinary columns that
-- galley writes with each row. They were generated columns, computed by `json_extract` over the
-- whole document on every insert and update: a clone parsed each 6-10 KB article text once more
-- inside SQLite only to find its slug, ~7% of the clone's CPU (BENCHMARKS.md, "Clone: the
-- replica's lookups written, not extracted"). galley reads the three values while it scans the
-- pulled page, or from the document it has parsed for a local edit. The rule is the old one,
-- narrowed to strings (the only values the content rules accept there): a live article's
-- `slug`, a live link's `fromId` and `toId` when they are strings, else NULL.
--
-- The type check is written with OR: SQLite evaluates `type IN ('article', 'media', 'link')` by
-- building a temporary B-tree of the three values on every execution of a statement that writes
-- the row (twice for an upsert), which was another 7% of a clone's CPU.
CREATE TABLE entity_rows (
    id         TEXT NOT NULL PRIMARY KEY,
    type       TEXT NOT NULL CHECK (type = 'article' OR type = 'media' OR type = 'link'),
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
    slug    TEXT,   -- a live article's slug, else NULL
    from_id TEXT,   -- a live link's fromId, else NULL
    to_id   TEXT    -- a live link's toId, else NULL
);

INSERT INTO entity_rows (id, type, version, seq, deleted, data, created_at, updated_at, created_by, updated_by,
                         snapshot_generation, slug, from_id, to_id)
    SELECT id, type, version, seq, deleted, data, created_at, updated_at, created_by, updated_by, snapshot_generation,
        CASE WHEN type = 'article' AND deleted = 0 AND json_type(data, '$.slug') = 'text' THEN json_extract(data, '$.slug') END,
        CASE WHEN type = 'link' AND deleted = 0 AND json_type(data, '$.fromId') = 'text' THEN json_extract(data, '$.fromId') END,
        CASE WHEN type = 'link' AND deleted = 0 AND json_type(data, '$.toId') = 'text' THEN json_extract(data, '$.toId') END
    FROM entity;

DROP TABLE entity;
ALTER TABLE entity_rows RENAME TO entity;

CREATE INDEX entity_type ON entity (type, id);
CREATE INDEX entity_slug ON entity (slug) WHERE slug IS NOT NULL;
CREATE INDEX entity_link_from ON entity (from_id) WHERE from_id IS NOT NULL;
CREATE INDEX entity_link_to ON entity (to_id) WHERE to_id IS NOT NULL;
