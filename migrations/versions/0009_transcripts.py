"""Transcripts: recordings and their transcription jobs, transcripts as versions of time-coded segments

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

"""
import uuid
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
import fieldnotes.extensions  # noqa: F401  (UTCDateTime, the aware-UTC column type the models use)
from fieldnotes.extensions import UTCDateTime
from fieldnotes.transcripts import fulltext


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def enum(*values):
    return sa.Enum(*values, native_enum=False, length=20)


def upgrade():
    op.create_table(
        'recording',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('study_id', sa.Integer(), nullable=False),
        sa.Column('source', enum('note', 'interview'), nullable=False),
        sa.Column('attachment_id', sa.Uuid(), nullable=True),
        sa.Column('observation_id', sa.Uuid(), nullable=True),
        sa.Column('visit_id', sa.Integer(), nullable=True),
        sa.Column('participant_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('added_by_id', sa.Integer(), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=True),
        sa.Column('size', sa.BigInteger(), nullable=True),
        sa.Column('mime', sa.String(length=100), nullable=True),
        sa.Column('offset', sa.BigInteger(), nullable=False),
        sa.Column('upload', enum('pending', 'verified'), nullable=False),
        sa.Column('duration_ms', sa.BigInteger(), nullable=True),
        sa.Column('state', enum('waiting', 'queued', 'transcribing', 'done', 'failed'), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('failure', sa.Text(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('job_token', sa.String(length=32), nullable=True),
        sa.Column('heartbeat_at', UTCDateTime(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('state_changed_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['added_by_id'], ['user.id'], name=op.f('fk_recording_added_by_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id'],
                                name=op.f('fk_recording_attachment_id_attachment'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['observation_id'], ['observation.id'],
                                name=op.f('fk_recording_observation_id_observation'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['participant_id'], ['participant.id'],
                                name=op.f('fk_recording_participant_id_participant'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_recording_study_id_study'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['visit_id'], ['site_visit.id'], name=op.f('fk_recording_visit_id_site_visit'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recording')),
        sa.UniqueConstraint('attachment_id', name=op.f('uq_recording_attachment_id')),
    )
    with op.batch_alter_table('recording') as batch_op:
        batch_op.create_index('ix_recording_visit', ['visit_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_recording_observation_id'), ['observation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recording_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recording_study_id'), ['study_id'], unique=False)

    op.create_table(
        'transcript',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recording_id', sa.Uuid(), nullable=False),
        sa.Column('study_id', sa.Integer(), nullable=False),
        sa.Column('model', sa.String(length=120), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=True),
        sa.Column('duration_ms', sa.BigInteger(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['recording_id'], ['recording.id'],
                                name=op.f('fk_transcript_recording_id_recording'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_transcript_study_id_study'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_transcript')),
        sa.UniqueConstraint('recording_id', 'model', name=op.f('uq_transcript_recording_id')),
    )
    with op.batch_alter_table('transcript') as batch_op:
        batch_op.create_index(batch_op.f('ix_transcript_recording_id'), ['recording_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transcript_study_id'), ['study_id'], unique=False)

    op.create_table(
        'transcript_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('transcript_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_transcript_version_author_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['transcript_id'], ['transcript.id'],
                                name=op.f('fk_transcript_version_transcript_id_transcript'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_transcript_version')),
        sa.UniqueConstraint('transcript_id', 'number', name=op.f('uq_transcript_version_transcript_id')),
    )

    op.create_table(
        'transcript_segment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('start_ms', sa.BigInteger(), nullable=False),
        sa.Column('end_ms', sa.BigInteger(), nullable=False),
        sa.Column('start_char', sa.Integer(), nullable=False),
        sa.Column('end_char', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['version_id'], ['transcript_version.id'],
                                name=op.f('fk_transcript_segment_version_id_transcript_version'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_transcript_segment')),
        sa.UniqueConstraint('version_id', 'position', name=op.f('uq_transcript_segment_version_id')),
    )

    for statement in fulltext.create_statements(op.get_bind().dialect.name):
        op.execute(statement)
    queue_existing_audio()


def queue_existing_audio():
    """Every audio note already verified gets its recording, queued: a worker's first sweep transcribes them."""
    attachment = sa.table('attachment', sa.column('id', sa.Uuid()), sa.column('observation_id', sa.Uuid()),
                          sa.column('sha256', sa.String()), sa.column('size', sa.BigInteger()),
                          sa.column('mime', sa.String()), sa.column('slot', sa.String()),
                          sa.column('status', sa.String()))
    observation = sa.table('observation', sa.column('id', sa.Uuid()), sa.column('study_id', sa.Integer()),
                           sa.column('author_id', sa.Integer()))
    rows = op.get_bind().execute(
        sa.select(attachment.c.id, attachment.c.observation_id, attachment.c.sha256, attachment.c.size,
                  attachment.c.mime, observation.c.study_id, observation.c.author_id)
        .join(observation, observation.c.id == attachment.c.observation_id)
        .where(attachment.c.slot == 'audio', attachment.c.status == 'verified')).all()
    columns = {'id': sa.Uuid(), 'study_id': sa.Integer(), 'source': sa.String(), 'attachment_id': sa.Uuid(),
               'observation_id': sa.Uuid(), 'title': sa.String(), 'added_by_id': sa.Integer(),
               'sha256': sa.String(), 'size': sa.BigInteger(), 'mime': sa.String(), 'offset': sa.BigInteger(),
               'upload': sa.String(), 'state': sa.String(), 'progress': sa.Integer(), 'attempts': sa.Integer(),
               'created_at': UTCDateTime(), 'state_changed_at': UTCDateTime()}
    recording = sa.table('recording', *(sa.column(name, kind) for name, kind in columns.items()))
    now = datetime.now(UTC)
    values = [{'id': uuid.uuid4(), 'study_id': row.study_id, 'source': 'note', 'attachment_id': row.id,
               'observation_id': row.observation_id, 'title': '', 'added_by_id': row.author_id,
               'sha256': row.sha256, 'size': row.size, 'mime': row.mime, 'offset': 0, 'upload': 'verified',
               'state': 'queued', 'progress': 0, 'attempts': 0, 'created_at': now, 'state_changed_at': now}
              for row in rows]
    if values:
        op.bulk_insert(recording, values)


def downgrade():
    for statement in fulltext.drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('transcript_segment')
    op.drop_table('transcript_version')
    with op.batch_alter_table('transcript') as batch_op:
        batch_op.drop_index(batch_op.f('ix_transcript_study_id'))
        batch_op.drop_index(batch_op.f('ix_transcript_recording_id'))
    op.drop_table('transcript')
    with op.batch_alter_table('recording') as batch_op:
        batch_op.drop_index(batch_op.f('ix_recording_study_id'))
        batch_op.drop_index(batch_op.f('ix_recording_participant_id'))
        batch_op.drop_index(batch_op.f('ix_recording_observation_id'))
        batch_op.drop_index('ix_recording_visit')
    op.drop_table('recording')
