"""No schema change: reserved in session 6 for the summaries' upkeep, which needed none (SQLite keeps all four 0008 indexes)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import fieldnotes.extensions  # noqa: F401  (UTCDateTime, the aware-UTC column type the models use)


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
