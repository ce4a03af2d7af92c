"""Each note's and transcript's words kept in a column on PostgreSQL, so a phrase search reads them rather than
parsing every candidate's text again (issue 11)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06

The GIN index was on the words' expression; it is now on the stored column, the same words. Adding the column
rewrites each table once (PostgreSQL works out every row's words): 1,000,310 notes took 38 s on a
2-core machine (docs/benchmarks.md, "Issue 11, session 15"). SQLite's FTS5 tables keep the words already.
"""
from alembic import op

from fieldnotes.observations import fulltext
from fieldnotes.transcripts import fulltext as transcript_fulltext

# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

TABLES = (("observation", fulltext), ("transcript", transcript_fulltext))


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for _, index in TABLES:
        op.execute(f"DROP INDEX IF EXISTS {index.PG_INDEX}")  # on the expression; made again on the column
        for statement in index.create_statements("postgresql"):
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, index in TABLES:
        for statement in index.drop_statements("postgresql"):
            op.execute(statement)
        op.execute(f"CREATE INDEX {index.PG_INDEX} ON {table} USING gin (({index.PG_WORDS}))")
