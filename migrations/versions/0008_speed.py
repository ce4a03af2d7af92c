"""Browse filtered to one term reads that term's notes newest first from an index of its own (issue 11)

(study_id, touchpoint_id, captured_at, id), and the same for role, participant and visit
(observations/models.py says why the study leads).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

"""
from alembic import op
import fieldnotes.extensions  # noqa: F401  (UTCDateTime, the aware-UTC column type the models use)


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


TERMS = ("touchpoint", "role", "participant", "visit")


def upgrade():
    for term in TERMS:
        op.create_index(op.f(f'ix_observation_{term}_time'), 'observation',
                        ['study_id', f'{term}_id', 'captured_at', 'id'], unique=False)


def downgrade():
    for term in TERMS:
        op.drop_index(op.f(f'ix_observation_{term}_time'), table_name='observation')
