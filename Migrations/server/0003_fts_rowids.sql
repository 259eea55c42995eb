-- The full-text tables keyed their rows by an UNINDEXED `id` column, which FTS5 can only scan:
-- every write of an article or a photo read the whole article_fts or media_fts table to delete
-- the entity's old row, so writes slowed down as the archive grew (galley-bench, BENCHMARKS.md).
-- These tables map each live entity to its full-text row's rowid, so that row is found by key.
CREATE TABLE article_fts_row (
    id        TEXT PRIMARY KEY,
    fts_rowid INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE media_fts_row (
    id        TEXT PRIMARY KEY,
    fts_rowid INTEGER NOT NULL
) WITHOUT ROWID;

INSERT OR REPLACE INTO article_fts_row (id, fts_rowid) SELECT id, rowid FROM article_fts;
INSERT OR REPLACE INTO media_fts_row (id, fts_rowid) SELECT id, rowid FROM media_fts;
