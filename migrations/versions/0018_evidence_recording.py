"""A board's pick of an interview recording's clip names the recording in its own column

Until now such a pick was an evidence row with no attachment whose position was raised by 1,000,000 to
tell it from the highlight's words. The upgrade moves each of those onto evidence.recording_id (the
recording of its highlight's transcript) and gives the position back; a marked pick whose highlight is
gone showed nothing and is dropped, rather than turned into a quote of words the board never showed.
A pick is one kind (CHECK): a quote (no attachment, no recording), a note's attachment or a recording.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import fieldnotes.extensions  # noqa: F401  (UTCDateTime, the aware-UTC column type the models use)


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

INTERVIEW_CLIP = 1_000_000  # the old mark, known here only to move picks to and from it
MARKED = f"attachment_id IS NULL AND position >= {INTERVIEW_CLIP}"
# The recording a marked pick plays: its highlight's transcript's.
OF_HIGHLIGHT = ("FROM highlight JOIN transcript ON transcript.id = highlight.transcript_id "
                "WHERE highlight.observation_id = evidence.observation_id")


def upgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recording_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_evidence_recording_id'), ['recording_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_evidence_recording_id_recording'), 'recording',
                                    ['recording_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint(batch_op.f('ck_evidence_one_kind'),
                                         'attachment_id IS NULL OR recording_id IS NULL')
    op.execute(f"DELETE FROM evidence WHERE {MARKED} AND NOT EXISTS (SELECT 1 {OF_HIGHLIGHT})")
    op.execute(f"UPDATE evidence SET position = position - {INTERVIEW_CLIP}, "
               f"recording_id = (SELECT transcript.recording_id {OF_HIGHLIGHT}) WHERE {MARKED}")


def downgrade():
    op.execute(f"UPDATE evidence SET position = position + {INTERVIEW_CLIP} WHERE recording_id IS NOT NULL")
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_evidence_one_kind'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_evidence_recording_id_recording'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_evidence_recording_id'))
        batch_op.drop_column('recording_id')
