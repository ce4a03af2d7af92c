"""Each note's tag ids kept on its row on PostgreSQL, by triggers on its tag links, so a search's first view counts
its notes' tags from the rows it reads anyway (issue 11)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06

observations/tags_on_row.py says why and how. Adding the column with a constant default writes no row; filling it
from the links writes each tagged note once more (a copy of the 1M-note bench database, 801k links, on a 2-core
machine: under 2 minutes, with a VACUUM FULL after it; a deployment that large runs it at a quiet hour). SQLite
keeps no such column.
"""
from alembic import op

from fieldnotes.observations import tags_on_row

# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in tags_on_row.CREATE:
        op.execute(statement)
    op.execute(tags_on_row.FILL)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in tags_on_row.DROP:
        op.execute(statement)
