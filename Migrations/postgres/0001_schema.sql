-- The PostgreSQL store's schema: the same tables as the SQLite store (Migrations/server), in
-- portable SQL (no serial, no triggers, no advisory locks, no extensions) so that Postgres-wire
-- engines such as CockroachDB or YugabyteDB can run the same files. Timestamps are ISO 8601 text,
-- as on SQLite, so both stores answer with the same bytes.

-- Access tokens, by the hex SHA-256 of the token (the token itself is shown once). A revoked
-- token keeps its row (revoked_at set) so the audit trail stays whole.
CREATE TABLE token (
    hash         TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
    created_at   TEXT NOT NULL,
    created_by   TEXT,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE UNIQUE INDEX token_live_name ON token (name) WHERE revoked_at IS NULL;

-- The changeset counter: one row. Every committing transaction locks it (SELECT ... FOR UPDATE)
-- and writes the new head before COMMIT, so seq order is commit order across instances and a
-- rolled-back transaction gives its numbers back (ARCHITECTURE.md, "seq on PostgreSQL").
CREATE TABLE seq_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    v  BIGINT NOT NULL
);
INSERT INTO seq_counter (id, v) VALUES (1, 0);

-- One row per committed changeset; `submitted` records {message, ops} as sent, for the replay
-- check: a `sha256:` digest of their canonical JSON (SubmissionDigest), or, in rows written
-- before 2026-11-29, the JSON itself.
CREATE TABLE changeset (
    seq          BIGINT PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    message      TEXT NOT NULL,
    author       TEXT NOT NULL,
    committed_at TEXT NOT NULL,
    submitted    TEXT NOT NULL,
    ops          TEXT NOT NULL,
    results      TEXT NOT NULL
);
CREATE INDEX changeset_author ON changeset (author, seq);

-- The current state of every entity, deleted ones included (tombstones are kept). `data` is the
-- document as Galley wrote it (text, not jsonb, so it round-trips byte for byte).
CREATE TABLE entity (
    id         TEXT PRIMARY KEY,
    type       TEXT NOT NULL CHECK (type IN ('article', 'media', 'link')),
    version    INTEGER NOT NULL,
    seq        BIGINT NOT NULL,
    deleted    BOOLEAN NOT NULL DEFAULT FALSE,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    slug       TEXT              -- articles: the slug, live or not (anyArticleID)
);
CREATE INDEX entity_seq ON entity (seq);
CREATE INDEX entity_type_id ON entity (type, id);
CREATE INDEX entity_slug ON entity (slug, seq);

-- Every version of every entity: history, point-in-time reads, revert and the sync log.
CREATE TABLE entity_version (
    id         TEXT NOT NULL,
    version    INTEGER NOT NULL,
    type       TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    op         TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete', 'restore')),
    deleted    BOOLEAN NOT NULL,
    data       TEXT NOT NULL,
    fields     TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE INDEX entity_version_seq ON entity_version (seq);
CREATE INDEX entity_version_id_seq ON entity_version (id, seq);

-- Query tables for live entities only, maintained with every changeset. Full-text search is a
-- tsvector column with a GIN index (the 'simple' configuration over text whose diacritics Galley
-- folded, as SQLite's unicode61 tokenizer with remove_diacritics does).
CREATE TABLE article_index (
    id              TEXT PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    headline        TEXT NOT NULL,
    subheadline     TEXT,
    section         TEXT,
    status          TEXT NOT NULL,
    tags            TEXT NOT NULL,
    published_at    TEXT,
    lead_media_id   TEXT,
    reading_minutes INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    seq             BIGINT NOT NULL,
    updated_at      TEXT NOT NULL,
    search          TSVECTOR NOT NULL
);
CREATE INDEX article_index_recent ON article_index (seq DESC, id DESC);
CREATE INDEX article_index_section ON article_index (section, seq DESC);
CREATE INDEX article_index_status ON article_index (status, seq DESC);
CREATE INDEX article_index_search ON article_index USING GIN (search);

CREATE TABLE article_tag (
    article_id TEXT NOT NULL,
    tag        TEXT NOT NULL,
    PRIMARY KEY (tag, article_id)
);
CREATE INDEX article_tag_article ON article_tag (article_id);

CREATE TABLE media_use (
    media_id   TEXT NOT NULL,
    article_id TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('lead', 'body')),
    PRIMARY KEY (media_id, article_id, role)
);
CREATE INDEX media_use_article ON media_use (article_id);

CREATE TABLE media_index (
    id     TEXT PRIMARY KEY,
    kind   TEXT NOT NULL,
    seq    BIGINT NOT NULL,
    search TSVECTOR NOT NULL
);
CREATE INDEX media_index_recent ON media_index (seq DESC, id DESC);
CREATE INDEX media_index_search ON media_index USING GIN (search);

CREATE TABLE link_index (
    id       TEXT PRIMARY KEY,
    from_id  TEXT NOT NULL,
    to_id    TEXT NOT NULL,
    position INTEGER NOT NULL,
    UNIQUE (from_id, to_id)
);
CREATE INDEX link_index_to ON link_index (to_id);
