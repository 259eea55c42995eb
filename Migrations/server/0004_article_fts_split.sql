-- An article's search text in two FTS5 tables, one for its headline and subheadline, one for its
-- body, so an edit re-indexes only the part it changed. FTS5 re-tokenises a row's whole old text
-- to delete it and its whole new text to insert it: with one table, changing a subheadline
-- re-tokenised a 300-1,500-word body twice, about 40% of the writer's CPU per edit
-- (galley-bench write, BENCHMARKS.md). Both rows of an article share the rowid kept in
-- article_fts_row. A search still needs every word somewhere in the article (in either table).
CREATE VIRTUAL TABLE article_title_fts USING fts5 (id UNINDEXED, headline, subheadline, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE article_body_fts USING fts5 (id UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2');

INSERT INTO article_title_fts (rowid, id, headline, subheadline) SELECT rowid, id, headline, subheadline FROM article_fts;
INSERT INTO article_body_fts (rowid, id, body) SELECT rowid, id, body FROM article_fts;

DROP TABLE article_fts;
