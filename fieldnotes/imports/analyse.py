"""Statistics for the planner after a large import: ANALYZE once the import has committed.

A study that grew by thousands of notes in one transaction leaves the planner with
figures from before (or none): SQLite then walks every note for a selective
filter (issue 11, item 7). After commit, not inside the import: on PostgreSQL
the import's rows count only once committed, and on SQLite ANALYZE writes its
tables, which must not lengthen the import's own hold on the write lock.
"""
from sqlalchemy import event, text

from fieldnotes.extensions import db

# Notes an import must write before the tables are analysed: below this the figures barely move.
LARGE = 1000
TABLES = ("observation", "observation_tag", "revision")
PENDING = "fieldnotes_analyse_after_commit"


def after_commit(notes):
    """Analyse the notes' tables once this transaction commits, if it wrote `notes` >= LARGE."""
    if notes >= LARGE:
        db.session.info[PENDING] = True


@event.listens_for(db.session, "after_commit")
def analyse_committed(session):
    if session.info.pop(PENDING, False):
        analyse(session.get_bind())


@event.listens_for(db.session, "after_rollback")
def forget(session):
    session.info.pop(PENDING, None)


def analyse(engine):
    """ANALYZE the notes' tables on a connection of its own (the session's transaction is over)."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            # Whole, not sampled (extensions.py says why).
            for table in TABLES:
                connection.exec_driver_sql(f"ANALYZE {table}")
        else:
            connection.execute(text(f"ANALYZE {', '.join(TABLES)}"))
        connection.commit()
