-- Access tokens. Only the SHA-256 of a token is stored; the token itself is shown once.
-- A revoked token keeps its row (revoked_at set) so the audit trail stays whole.
CREATE TABLE token (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
    hash         BLOB NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    created_by   TEXT,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE UNIQUE INDEX token_live_name ON token (name) WHERE revoked_at IS NULL;

-- The changeset counter: one row, bumped as the last statement of a committing transaction, so
-- that seq order is commit order on every store (the same design serves PostgreSQL).
CREATE TABLE seq_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    v  INTEGER NOT NULL
);
INSERT INTO seq_counter (id, v) VALUES (1, 0);
