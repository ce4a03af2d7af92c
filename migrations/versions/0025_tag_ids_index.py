"""An index of each note's tag ids (PostgreSQL), so a search's words that are also a tag's name find that tag's notes
in the words' own bitmap (issue 11)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07

observations/tags_on_row.py says why. Built CONCURRENTLY, outside the migration's transaction, so phones keep pushing
while a large study's notes are indexed (the 100k-note bench database: under a second). SQLite keeps no such column.
"""
from alembic import op

from fieldnotes.observations import tags_on_row

# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    with op.get_context().autocommit_block():
        # A concurrent build cut short leaves an INVALID index of that name, and the migration is not marked done:
        # the next upgrade drops whatever is there and builds it again.
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {tags_on_row.INDEX}")
        op.execute(tags_on_row.CREATE_INDEX.format(concurrently="CONCURRENTLY"))


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    with op.get_context().autocommit_block():
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {tags_on_row.INDEX}")
