"""The full-text index of notes: SQLite FTS5, or on PostgreSQL a stored column of each note's words and its GIN
index, made beside the observation table.

Both split text into words the same way: a word is a run of letters and digits
(anything else, punctuation, '-', '_', separates), lower-cased, accents kept,
no stemming. The migration calls create_statements()/drop_statements() too. It is the observation
table's own index, so it lives with the model; explore's search.py queries it.
"""
from sqlalchemy import DDL, event

FTS_TABLE = "observation_fts"
PG_INDEX = "ix_observation_search"
WORDS_COLUMN = "search_words"  # PostgreSQL's; not in the model (SQLite has no such column)


def sqlite_statements(fts_table, table, key, columns, updated_by):
    """FTS5 over `table`'s `columns` as external content with rowid `key`, kept by triggers when a row is
    added, deleted or changes one of `updated_by`: (the statements that make it, those that drop it).
    Notes and transcripts make theirs here (transcripts/fulltext.py), so both split words alike."""
    names, new, old = (", ".join(f"{prefix}{column}" for column in columns) for prefix in ("", "new.", "old."))
    create = (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts_table} USING fts5({names}, content='{table}', "
        f"content_rowid='{key}', tokenize='unicode61 remove_diacritics 0')",
        f"CREATE TRIGGER IF NOT EXISTS {fts_table}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts_table}(rowid, {names}) VALUES (new.{key}, {new}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts_table}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts_table}({fts_table}, rowid, {names}) VALUES ('delete', old.{key}, {old}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts_table}_au AFTER UPDATE OF {', '.join(updated_by)} ON {table} BEGIN "
        f"INSERT INTO {fts_table}({fts_table}, rowid, {names}) VALUES ('delete', old.{key}, {old}); "
        f"INSERT INTO {fts_table}(rowid, {names}) VALUES (new.{key}, {new}); END",
        # Index the rows already there (a migration on an existing database); a no-op on an empty table.
        f"INSERT INTO {fts_table}({fts_table}) VALUES ('rebuild')",
    )
    drop = tuple(f"DROP TRIGGER IF EXISTS {fts_table}_{t}" for t in ("ai", "ad", "au")) + (
        f"DROP TABLE IF EXISTS {fts_table}",)
    return create, drop


def pg_statements(pg_index, table, words):
    """`table`'s words (`words`: an expression of its columns) in a column PostgreSQL works out on every write and
    keeps, and a GIN index of it: (make them, drop them).

    Kept, not worked out again when read: the index cannot tell whether a phrase's words are next to each other,
    and a match too large for memory is noted by page, not row, so such candidates have their words checked again;
    working them out from the text (punctuation replaced, then parsed) made a count of a phrase's 24k-69k notes of 1M
    take 440-770 ms, read 80-180 ms (issue 11, session 15). A stored tsvector is read, not parsed.
    """
    column = f"{WORDS_COLUMN} tsvector GENERATED ALWAYS AS ({words}) STORED"
    return (f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column}",
            f"CREATE INDEX IF NOT EXISTS {pg_index} ON {table} USING gin ({WORDS_COLUMN})"), (
        f"DROP INDEX IF EXISTS {pg_index}", f"ALTER TABLE {table} DROP COLUMN IF EXISTS {WORDS_COLUMN}")


def shadow_tables(fts_table):
    """FTS5 keeps its index in these; schema comparisons must skip them (and the virtual table itself)."""
    return tuple(f"{fts_table}_{suffix}" for suffix in ("data", "idx", "docsize", "config"))


def pg_words(column):
    # Punctuation to spaces first, so PostgreSQL's parser sees only plain words, as unicode61 does
    # (otherwise 'on-boarding', 'a.b.com' or '3.5' would become extra compound tokens).
    return f"to_tsvector('simple'::regconfig, regexp_replace(coalesce({column}, ''), '[^[:alnum:]]+', ' ', 'g'))"


# The note's words: text, then expected. The placeholder lexeme '_' (never a word: '_' separates)
# keeps a gap between the two, so a phrase cannot run from the end of one into the other (as in FTS5).
PG_WORDS = f"ts_delete({pg_words('text')} || '_:1'::tsvector || {pg_words('expected')}, '_'::text)"
PG_VECTOR = f"observation.{WORDS_COLUMN}"  # what a search reads
FTS_SHADOW_TABLES = shadow_tables(FTS_TABLE)

# External content keyed by seq: the implicit rowid of a uuid-keyed table may change on VACUUM.
SQLITE_CREATE, SQLITE_DROP = sqlite_statements(FTS_TABLE, "observation", "seq", ("text", "expected"),
                                               updated_by=("text", "expected", "seq"))
PG_CREATE, PG_DROP = pg_statements(PG_INDEX, "observation", PG_WORDS)


def create_statements(dialect_name):
    """The SQL that makes the index on this dialect, in order (op.execute each, in the migration)."""
    return {"sqlite": SQLITE_CREATE, "postgresql": PG_CREATE}.get(dialect_name, ())


def drop_statements(dialect_name):
    return {"sqlite": SQLITE_DROP, "postgresql": PG_DROP}.get(dialect_name, ())


def listen(table):
    """Make and drop the index with the table, for db.create_all() and drop_all()."""
    listen_for(table, {FTS_TABLE, *FTS_SHADOW_TABLES, PG_INDEX, WORDS_COLUMN}, create_statements, drop_statements)


def listen_for(table, names, create_statements, drop_statements):
    """Make and drop a table's index with it (db.create_all / drop_all), on SQLite and on PostgreSQL.

    Its `names` go in the metadata's "unmodelled" set, which schema comparisons skip
    (fieldnotes/migrating.py): they exist on purpose without a model.
    """
    table.metadata.info.setdefault("unmodelled", set()).update(names)
    for dialect in ("sqlite", "postgresql"):
        for statement in create_statements(dialect):
            event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect))
        for statement in drop_statements(dialect):
            event.listen(table, "before_drop", DDL(statement).execute_if(dialect=dialect))
