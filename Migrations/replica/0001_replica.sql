-- The replica: a local copy of one Galley server's content for offline editing, kept by the
-- `galley` CLI (library GalleySync) in DIR/.galley/replica.sqlite (WAL mode, synchronous=FULL).
-- Append-only like the server's migrations: a shipped file is never edited.
--
-- Reading it with sqlite3 (read-only is safe while galley runs):
--   sqlite3 -readonly DIR/.galley/replica.sqlite
--   SELECT id, json_extract(data, '$.headline') FROM entity WHERE type = 'article' AND deleted = 0;
--   SELECT position, id, message, status FROM outbox_changeset ORDER BY position;   -- not pushed yet
--   SELECT entity_id, field, theirs, mine FROM conflict WHERE resolved_at IS NULL;  -- to resolve
--
-- JSON columns hold documents in the server's stored form (see `SyncItem` in the API): the
-- client-writable fields plus stored derivations (an article's `readingMinutes`).

-- Where the replica stands in the server's `sync.pull` feed. Exactly one row. The cursor is
-- written in the same transaction as the page it follows, so a killed clone resumes exactly.
CREATE TABLE sync_state (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    cursor              TEXT,      -- the cursor to pull from next; NULL: start a new snapshot
    consistent_at       INTEGER,   -- the server changeset the server state below matches;
                                   -- NULL until the first snapshot is complete
    server_head         INTEGER,   -- the newest server changeset the replica has heard of
    snapshot_generation INTEGER NOT NULL DEFAULT 0,  -- bumped when a new snapshot starts
    pulled_entities     INTEGER NOT NULL DEFAULT 0,  -- entities received since the snapshot began
    snapshot_total      INTEGER,   -- about how many entities the running snapshot holds (progress)
    last_contact_at     TEXT,      -- when the server last answered (RFC 3339, UTC)
    last_pull_at        TEXT,
    last_push_at        TEXT
);
INSERT INTO sync_state (id) VALUES (1);

-- The local view: every entity the replica knows (tombstones too), as the server last sent it
-- with this replica's pending edits applied. This is what local reads and edits see.
CREATE TABLE entity (
    id         TEXT PRIMARY KEY,
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
) WITHOUT ROWID;
CREATE INDEX entity_type ON entity (type, id);
CREATE INDEX entity_slug ON entity (slug) WHERE slug IS NOT NULL;
CREATE INDEX entity_link_from ON entity (from_id) WHERE from_id IS NOT NULL;
CREATE INDEX entity_link_to ON entity (to_id) WHERE to_id IS NOT NULL;

-- Which live articles of the local view use which media (as lead or in a body block).
CREATE TABLE media_use (
    media_id   TEXT NOT NULL,
    article_id TEXT NOT NULL,
    PRIMARY KEY (media_id, article_id)
) WITHOUT ROWID;
CREATE INDEX media_use_article ON media_use (article_id);

-- The last known SERVER state of every entity whose local view may differ from it (it has
-- pending edits, or had until the next pull). Same columns as `entity`. With the local view
-- (mine) and the newly pulled state (theirs) it is the base of a three-way merge.
CREATE TABLE server_entity (
    id         TEXT PRIMARY KEY,
    type       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL
) WITHOUT ROWID;

-- The outbox: local edits not yet accepted by the server, one changeset per edit, pushed in
-- `position` order through `sync.push`. The id is the changeset's idempotency key: a push whose
-- reply was lost is retried with the same id and the server answers `replayed`.
CREATE TABLE outbox_changeset (
    position   INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,     -- UUID
    message    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'rejected')),
    error      TEXT,                     -- JSON: the server's error when `rejected`
    sent       INTEGER NOT NULL DEFAULT 0 -- 1 while a push may have delivered it without an answer:
                                         -- its content is frozen until the server says what it did
);

-- The ops of each outbox changeset, in order. `op` is the op as sent without `baseVersion`;
-- `base_version` is the server version the op is based on (NULL: the entity was created here).
-- A pull that merges cleanly moves `base_version` onto the new server version (rebase).
CREATE TABLE outbox_op (
    changeset_position INTEGER NOT NULL REFERENCES outbox_changeset (position) ON DELETE CASCADE,
    op_index           INTEGER NOT NULL,
    entity_id          TEXT NOT NULL,
    type               TEXT NOT NULL,
    op                 TEXT NOT NULL,   -- JSON object
    base_version       INTEGER,
    PRIMARY KEY (changeset_position, op_index)
) WITHOUT ROWID;
CREATE INDEX outbox_op_entity ON outbox_op (entity_id);

-- Fields changed differently on both sides. `base`, `theirs` and `mine` are JSON values (null
-- when absent); `field` is a field path (`headline`, `credit.creator`) or `deleted` when one side
-- deleted the entity and the other edited it. The changesets editing that entity wait until it
-- is resolved (`galley resolve ID --mine | --theirs | --set field=value`).
CREATE TABLE conflict (
    id             INTEGER PRIMARY KEY,
    entity_id      TEXT NOT NULL,
    type           TEXT NOT NULL,
    field          TEXT NOT NULL,
    base           TEXT NOT NULL,
    theirs         TEXT NOT NULL,
    mine           TEXT NOT NULL,
    theirs_version INTEGER NOT NULL,   -- the server version `theirs` was read from
    changeset_id   TEXT,               -- the outbox changeset whose edit met it
    detected_at    TEXT NOT NULL,
    resolved_at    TEXT,
    resolution     TEXT CHECK (resolution IN ('mine', 'theirs', 'set', 'obsolete'))
);
CREATE UNIQUE INDEX conflict_open ON conflict (entity_id, field) WHERE resolved_at IS NULL;
