"""The full-text index of notes: SQLite FTS5 or a PostgreSQL GIN index, made beside the observation table.

Both split text into words the same way: a word is a run of letters and digits
(anything else, punctuation, '-', '_', separates), lower-cased, accents kept,
no stemming. The migration calls create_statements()/drop_statements() too. It is the observation
table's own index, so it lives with the model; explore's search.py queries it.
"""
from sqlalchemy import DDL, event

FTS_TABLE = "observation_fts"
# FTS5 keeps its index in these; schema comparisons must skip them (and the virtual table itself).
FTS_SHADOW_TABLES = tuple(f"{FTS_TABLE}_{suffix}" for suffix in ("data", "idx", "docsize", "config"))
PG_INDEX = "ix_observation_search"


def pg_words(column):
    # Punctuation to spaces first, so PostgreSQL's parser sees only plain words, as unicode61 does
    # (otherwise 'on-boarding', 'a.b.com' or '3.5' would become extra compound tokens).
    return f"to_tsvector('simple'::regconfig, regexp_replace(coalesce({column}, ''), '[^[:alnum:]]+', ' ', 'g'))"


# The note's words: text, then expected. The placeholder lexeme '_' (never a word: '_' separates)
# keeps a gap between the two, so a phrase cannot run from the end of one into the other (as in FTS5).
PG_VECTOR = f"ts_delete({pg_words('observation.text')} || '_:1'::tsvector || {pg_words('observation.expected')}, '_'::text)"

SQLITE_CREATE = (
    # External content keyed by seq: the implicit rowid of a uuid-keyed table may change on VACUUM.
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(text, expected, content='observation', "
    "content_rowid='seq', tokenize='unicode61 remove_diacritics 0')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON observation BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, text, expected) VALUES (new.seq, new.text, new.expected); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON observation BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text, expected) VALUES ('delete', old.seq, old.text, old.expected); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF text, expected, seq ON observation BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text, expected) VALUES ('delete', old.seq, old.text, old.expected); "
    f"INSERT INTO {FTS_TABLE}(rowid, text, expected) VALUES (new.seq, new.text, new.expected); END",
    # Index the rows already there (a migration on an existing database); a no-op on an empty table.
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
)
SQLITE_DROP = tuple(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{t}" for t in ("ai", "ad", "au")) + (
    f"DROP TABLE IF EXISTS {FTS_TABLE}",)

PG_CREATE = (f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON observation USING gin (({PG_VECTOR}))",)
PG_DROP = (f"DROP INDEX IF EXISTS {PG_INDEX}",)


def create_statements(dialect_name):
    """The SQL that makes the index on this dialect, in order (op.execute each, in the migration)."""
    return {"sqlite": SQLITE_CREATE, "postgresql": PG_CREATE}.get(dialect_name, ())


def drop_statements(dialect_name):
    return {"sqlite": SQLITE_DROP, "postgresql": PG_DROP}.get(dialect_name, ())


def listen(table):
    """Make and drop the index with the table, for db.create_all() and drop_all().

    Its names go in the metadata's "unmodelled" set, which schema comparisons skip
    (fieldnotes/migrating.py): they exist on purpose without a model.
    """
    table.metadata.info.setdefault("unmodelled", set()).update({FTS_TABLE, *FTS_SHADOW_TABLES, PG_INDEX})
    for dialect in ("sqlite", "postgresql"):
        for statement in create_statements(dialect):
            event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect))
        for statement in drop_statements(dialect):
            event.listen(table, "before_drop", DDL(statement).execute_if(dialect=dialect))
