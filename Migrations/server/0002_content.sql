-- Content: every write is a changeset; entities keep their current state and every version.

-- One row per committed changeset. `seq` comes from seq_counter (commit order, gapless).
-- `submitted` records {message, ops} as the client sent them, compared on a retry with the same
-- id (same content: replay; different content: changeset_id_reused): since 2026-11-29 a
-- `sha256:` digest of their canonical JSON (SubmissionDigest), before that the JSON itself.
CREATE TABLE changeset (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    message      TEXT NOT NULL,
    author       TEXT NOT NULL,
    committed_at TEXT NOT NULL,
    submitted    TEXT NOT NULL,
    ops          TEXT NOT NULL,   -- JSON array: the ops as committed (ids filled in, cascades added)
    results      TEXT NOT NULL    -- JSON array: one result per committed op
);
CREATE INDEX changeset_author ON changeset (author, seq);

-- The current state of every entity, deleted ones included (tombstones are kept).
CREATE TABLE entity (
    id         TEXT PRIMARY KEY,
    type       TEXT NOT NULL CHECK (type IN ('article', 'media', 'link')),
    version    INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0,
    data       TEXT NOT NULL,     -- JSON object: the client-writable fields and stored derivations
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX entity_seq ON entity (seq);
CREATE INDEX entity_type_id ON entity (type, id);   -- sync snapshot pages are keyed by (type, id)

-- Every version of every entity: history, point-in-time reads, revert and the sync log.
CREATE TABLE entity_version (
    id       TEXT NOT NULL,
    version  INTEGER NOT NULL,
    type     TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    op       TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete', 'restore')),
    deleted  INTEGER NOT NULL,
    data     TEXT NOT NULL,       -- the state after this version (for a delete: the last live state)
    fields   TEXT NOT NULL,       -- JSON array of the field paths this version changed
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (id, version)
) WITHOUT ROWID;
CREATE INDEX entity_version_seq ON entity_version (seq);
CREATE INDEX entity_version_id_seq ON entity_version (id, seq);

-- Query tables for live entities only, maintained with every changeset.
CREATE TABLE article_index (
    id              TEXT PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    headline        TEXT NOT NULL,
    subheadline     TEXT,
    section         TEXT,
    status          TEXT NOT NULL,
    tags            TEXT NOT NULL,    -- JSON array, for summaries
    published_at    TEXT,
    lead_media_id   TEXT,
    reading_minutes INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    updated_at      TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX article_index_recent ON article_index (seq DESC, id DESC);
CREATE INDEX article_index_section ON article_index (section, seq DESC);
CREATE INDEX article_index_status ON article_index (status, seq DESC);

CREATE TABLE article_tag (
    article_id TEXT NOT NULL,
    tag        TEXT NOT NULL,
    PRIMARY KEY (tag, article_id)
) WITHOUT ROWID;
CREATE INDEX article_tag_article ON article_tag (article_id);

-- Which live articles use which media, as lead or in a body block.
CREATE TABLE media_use (
    media_id   TEXT NOT NULL,
    article_id TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('lead', 'body')),
    PRIMARY KEY (media_id, article_id, role)
) WITHOUT ROWID;
CREATE INDEX media_use_article ON media_use (article_id);

CREATE TABLE media_index (
    id      TEXT PRIMARY KEY,
    kind    TEXT NOT NULL,
    seq     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX media_index_recent ON media_index (seq DESC, id DESC);

CREATE TABLE link_index (
    id       TEXT PRIMARY KEY,
    from_id  TEXT NOT NULL,
    to_id    TEXT NOT NULL,
    position INTEGER NOT NULL,
    UNIQUE (from_id, to_id)
) WITHOUT ROWID;
CREATE INDEX link_index_to ON link_index (to_id);

-- Full-text search (FTS5) over live articles and media.
CREATE VIRTUAL TABLE article_fts USING fts5 (id UNINDEXED, headline, subheadline, body, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE media_fts USING fts5 (id UNINDEXED, caption, creator, source, tokenize = 'unicode61 remove_diacritics 2');
