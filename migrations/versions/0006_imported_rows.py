"""CSV imports remember each keyed row's note, so importing the same file again adds no duplicate (issue 10)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import fieldnotes.extensions  # noqa: F401  (UTCDateTime, the aware-UTC column type the models use)


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('imported_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('source_key', sa.String(length=200), nullable=False),
    sa.Column('observation_id', sa.Uuid(), nullable=True),
    sa.Column('imported_at', fieldnotes.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['observation_id'], ['observation.id'],
                            name=op.f('fk_imported_row_observation_id_observation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_imported_row_study_id_study'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_row')),
    sa.UniqueConstraint('study_id', 'source_key', name=op.f('uq_imported_row_study_id'))
    )
    with op.batch_alter_table('imported_row', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_imported_row_observation_id'), ['observation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('imported_row', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_imported_row_observation_id'))

    op.drop_table('imported_row')
