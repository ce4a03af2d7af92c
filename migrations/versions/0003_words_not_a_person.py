"""Consent that cannot be skipped: a note marked as not a person's words or image (issue 9)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import fieldnotes.extensions  # noqa: F401  (UTCDateTime, the aware-UTC column type the models use)


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN, not a batch (which on SQLite copies the table and drops the full-text
    # triggers with it). Notes written before this were never marked: false.
    op.add_column('observation', sa.Column('no_person', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    op.drop_column('observation', 'no_person')
