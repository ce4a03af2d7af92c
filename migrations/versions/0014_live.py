"""Live updates (issue 16): no schema change; kept so the chain of revisions stays as deployed

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import fieldnotes.extensions  # noqa: F401  (UTCDateTime, the aware-UTC column type the models use)


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
