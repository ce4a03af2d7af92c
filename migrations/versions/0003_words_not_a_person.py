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
    pass


def downgrade():
    pass
