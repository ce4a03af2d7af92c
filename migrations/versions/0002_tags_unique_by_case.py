"""Tags, touchpoints and roles unique by letter case (issue 9)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import fieldnotes.extensions  # noqa: F401  (UTCDateTime, the aware-UTC column type the models use)


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
