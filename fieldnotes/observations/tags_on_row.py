"""Each note's tag ids kept on its row on PostgreSQL (`observation.tag_ids`), by triggers on its tag links.

A search's first view counts the tags of the notes it matches (explore/matching.py). Asked of the links, that is
an index probe per matching note: at 1M notes, about 0.4 s of the 0.8 s a word on 105k notes took. The notes' rows
are read anyway, for their other facets; read from them, the tags cost an unnest (about 75 ms there; the figures:
docs/benchmarks.md, "Issue 11, session 18").

The database keeps the array, not the app: links are written by pushes, edits, tagging, merges and imports, and
deleted by cascades the app never sees (a tag or a note deleted). A statement trigger for each kind of write on
observation_tag sets each touched note's array again from its links, sorted, and leaves alone a row whose array is
right already: new notes written as rows carry their arrays (add_arrays, from changes.write_new_notes), so their
links then change nothing, and a note is not written twice. SQLite keeps no such column: its planner reads the links well (3-35 ms
at 100k, session 17), and its tag counts come from them.
"""
from functools import lru_cache

from sqlalchemy import Column, Integer, MetaData, Table, literal_column
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY

from fieldnotes.observations import fulltext

COLUMN = "tag_ids"
FUNCTION = "observation_tag_ids_kept"
# (trigger, event, transition table): an UPDATE of a link (a merge moves it to another tag) touches the notes of
# its old row and of its new one; a trigger names one transition table of each, so it takes two.
TRIGGERS = (("observation_tag_ids_added", "INSERT", "NEW"), ("observation_tag_ids_removed", "DELETE", "OLD"),
            ("observation_tag_ids_moved_from", "UPDATE", "OLD"), ("observation_tag_ids_moved_to", "UPDATE", "NEW"))

# What a note's array is: its links' tag ids, ascending; none, an empty array (never NULL: unnest of it is no row).
FROM_LINKS = ("coalesce((SELECT array_agg(link.tag_id ORDER BY link.tag_id) FROM observation_tag AS link"
              " WHERE link.observation_id = {note}), '{{}}'::integer[])")

# Each touched note is locked first, in id order, and its array then worked out by a statement of its own: under
# READ COMMITTED that statement reads the links as committed once the lock is held. Worked out before the lock, two
# writers adding a tag each to one note would each write the array they saw, and the second would lose the first's
# tag (tests/test_tags_on_row.py has two such writers). Note by note, each statement finds its row by its key
# whatever the planner knows of the table: a set-based UPDATE's plan, made once per connection while the table was
# small or not yet analysed, read the whole table at every push (three sequential scans a push in the push bench).
KEEP = (f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$"
        " DECLARE note_id uuid; held integer[]; kept integer[]; BEGIN"
        " FOR note_id IN SELECT DISTINCT observation_id FROM touched_links ORDER BY 1 LOOP"
        f"  SELECT {COLUMN} INTO held FROM observation WHERE id = note_id FOR UPDATE;"
        "  CONTINUE WHEN NOT FOUND;"  # the note itself deleted (its links went by cascade)
        f"  kept := {FROM_LINKS.format(note='note_id')};"
        f"  IF held IS DISTINCT FROM kept THEN UPDATE observation SET {COLUMN} = kept WHERE id = note_id; END IF;"
        " END LOOP; RETURN NULL; END $$")

# A tag filter, and a search's word that is also a tag's name, find the tag's notes by this index (explore/filters.py,
# explore/search.py tagged): the search's in the one bitmap the words' index adds to. Found by their links instead,
# the notes were then looked up by id, a primary-key probe each (13 of q=month*'s 48 ms at 100k notes, its tag on
# 4k of them), or a tag beside a date joined every note to the links (50 ms; 9 by the index; issue 11, session 26).
INDEX = "ix_observation_tag_ids"
CREATE_INDEX = f"CREATE INDEX {{concurrently}} IF NOT EXISTS {INDEX} ON observation USING gin ({COLUMN})"

CREATE = (
    f"ALTER TABLE observation ADD COLUMN IF NOT EXISTS {COLUMN} integer[] NOT NULL DEFAULT '{{}}'",
    KEEP,
    *(f"CREATE TRIGGER {name} AFTER {event} ON observation_tag REFERENCING {side} TABLE AS touched_links"
      f" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()" for name, event, side in TRIGGERS),
)
DROP = (*(f"DROP TRIGGER IF EXISTS {name} ON observation_tag" for name, _, _ in TRIGGERS),
        f"DROP FUNCTION IF EXISTS {FUNCTION}()",
        f"ALTER TABLE observation DROP COLUMN IF EXISTS {COLUMN}")
# A database made before the column (the migration): every note's array from its links, once.
FILL = (f"UPDATE observation AS note SET {COLUMN} = kept.ids FROM (SELECT observation_id AS id,"
        " array_agg(tag_id ORDER BY tag_id) AS ids FROM observation_tag GROUP BY observation_id) AS kept"
        " WHERE note.id = kept.id")

# The notes whose array is not their links' (the drift tests ask: none, ever).
DIFFERING = (f"SELECT note.id FROM observation AS note"
             f" WHERE note.{COLUMN} IS DISTINCT FROM {FROM_LINKS.format(note='note.id')}")


def on_row(table="observation"):
    """A note's tag ids, as the column of `table` (PostgreSQL only)."""
    return literal_column(f"{table}.{COLUMN}", ARRAY(Integer))


def having_any(tag_ids):
    """The note has one of the tags `tag_ids`, by the ids on its row, which INDEX finds (PostgreSQL only)."""
    return on_row().op("&&")(postgresql.array(sorted(tag_ids), type_=Integer))


def create_statements(dialect_name):
    """A new database's (db.create_all): the column, its triggers and its index (migrations 0024 and 0025)."""
    return (*CREATE, CREATE_INDEX.format(concurrently="")) if dialect_name == "postgresql" else ()


def drop_statements(dialect_name):
    return DROP if dialect_name == "postgresql" else ()


def listen(links_table):
    """Made with the links' table (after the notes' table, which its key names), for db.create_all()."""
    fulltext.listen_for(links_table, {COLUMN, INDEX}, create_statements, drop_statements)


# New notes written as rows (a push, an import, the API, the demo's large study) carry their arrays: the trigger on
# their links then finds each right and writes no note twice (a second version of every tagged note, and its index
# entries, would cost a push its time and leave the table half dead rows until a VACUUM FULL).

@lru_cache(maxsize=1)
def notes_table():
    """The notes' table with the column, for writing new notes' rows on PostgreSQL (not the model's: SQLite has
    no such column)."""
    from fieldnotes.observations.models import Observation  # the models make the column with their table

    return Table("observation", MetaData(), *(column._copy() for column in Observation.__table__.c),
                 Column(COLUMN, ARRAY(Integer), nullable=False))


def carried(dialect_name, notes, links):
    """New notes' rows as written to `dialect_name`: on PostgreSQL each gets its array (add_arrays), so the trigger
    finds it right and writes no note twice."""
    if dialect_name == "postgresql":
        add_arrays(notes, links)
    return notes


# On PostgreSQL an executemany is a statement a row (psycopg), so the links' trigger would run after each link: a new
# note with two tags would be found one tag short after its first link and written again, and again after its second.
# New notes' links go in one statement for each run of whole notes instead (a push's are in its one statement already,
# a CSV import's in one COPY).
LINKS_A_STATEMENT = 4000


def insert_links(connection, statement, links):
    """New notes' links (`statement`: an INSERT into the links' table): on PostgreSQL a multi-row INSERT for each run
    of whole notes, so the trigger sees each note's links at once; elsewhere an executemany."""
    if connection.dialect.name != "postgresql":
        connection.execute(statement, links)
        return
    for run in whole_notes(links):
        connection.execute(statement.values(run))


def whole_notes(links, most=LINKS_A_STATEMENT):
    """The links in runs of about `most`, a note's links never split between two (they come note by note)."""
    run = []
    for link in links:
        if len(run) >= most and link["observation_id"] != run[-1]["observation_id"]:
            yield run
            run = []
        run.append(link)
    if run:
        yield run


def add_arrays(notes, links):
    """Each new note's row (a dict) gets its array from the links about to be written with it."""
    tags = {}
    for row in links:
        tags.setdefault(row["observation_id"], []).append(row["tag_id"])
    for row in notes:
        row[COLUMN] = sorted(tags.get(row["id"], ()))
