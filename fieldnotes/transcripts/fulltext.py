"""The full-text index of transcripts, made beside the transcript table as notes' is (observations/fulltext.py).

Words are split the same way as a note's, so one search finds a note by its own words or by what was
said in its recording. explore's search.py queries it.
"""
from fieldnotes.observations.fulltext import (WORDS_COLUMN, listen_for, pg_statements, pg_words, shadow_tables,
                                             sqlite_statements)

FTS_TABLE = "transcript_fts"
FTS_SHADOW_TABLES = shadow_tables(FTS_TABLE)
PG_INDEX = "ix_transcript_search"
PG_WORDS = pg_words("text")
PG_VECTOR = f"transcript.{WORDS_COLUMN}"  # what a search reads: an hour's transcript is not parsed again per search

SQLITE_CREATE, SQLITE_DROP = sqlite_statements(FTS_TABLE, "transcript", "id", ("text",), updated_by=("text",))
PG_CREATE, PG_DROP = pg_statements(PG_INDEX, "transcript", PG_WORDS)


def create_statements(dialect_name):
    return {"sqlite": SQLITE_CREATE, "postgresql": PG_CREATE}.get(dialect_name, ())


def drop_statements(dialect_name):
    return {"sqlite": SQLITE_DROP, "postgresql": PG_DROP}.get(dialect_name, ())


def listen(table):
    """Make and drop the index with the table (db.create_all / drop_all); schema comparisons skip it."""
    listen_for(table, {FTS_TABLE, *FTS_SHADOW_TABLES, PG_INDEX, WORDS_COLUMN}, create_statements, drop_statements)
