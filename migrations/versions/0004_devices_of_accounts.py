"""Phones belong to accounts: the server refuses a device's mutations under another account (issue 9)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import fieldnotes.extensions  # noqa: F401  (UTCDateTime, the aware-UTC column type the models use)


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
