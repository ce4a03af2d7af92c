"""Highlights: a note that is a span of a longer note, and where it came from (issue 14)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa
import fieldnotes.extensions  # noqa: F401  (UTCDateTime, the aware-UTC column type the models use)


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('highlight',
    sa.Column('observation_id', sa.Uuid(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('source_note_id', sa.Uuid(), nullable=True),
    sa.Column('transcript_id', sa.Integer(), nullable=True),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('source_version', sa.Integer(), nullable=False),
    sa.Column('audio_start_ms', sa.BigInteger(), nullable=True),
    sa.Column('audio_end_ms', sa.BigInteger(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', fieldnotes.extensions.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_highlight_created_by_id_user'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['observation_id'], ['observation.id'],
                            name=op.f('fk_highlight_observation_id_observation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_note_id'], ['observation.id'],
                            name=op.f('fk_highlight_source_note_id_observation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['transcript_id'], ['transcript.id'], name=op.f('fk_highlight_transcript_id_transcript'),
                            ondelete='CASCADE'),
    sa.CheckConstraint('(source_note_id IS NULL) <> (transcript_id IS NULL)', name=op.f('ck_highlight_one_source')),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_highlight_study_id_study'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('observation_id', name=op.f('pk_highlight'))
    )
    with op.batch_alter_table('highlight', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_highlight_source_note_id'), ['source_note_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_highlight_study_id'), ['study_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_highlight_transcript_id'), ['transcript_id'], unique=False)


def downgrade():
    with op.batch_alter_table('highlight', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_highlight_transcript_id'))
        batch_op.drop_index(batch_op.f('ix_highlight_study_id'))
        batch_op.drop_index(batch_op.f('ix_highlight_source_note_id'))
    op.drop_table('highlight')
