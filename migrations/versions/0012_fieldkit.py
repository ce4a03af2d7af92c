"""The visit kit (fieldkit, issue 15): study briefs and role focus, visit plans, interpretation sessions and marks

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa
import fieldnotes.extensions


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('study_brief',
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('goal', sa.Text(), nullable=False),
    sa.Column('hypotheses', sa.Text(), nullable=False),
    sa.Column('updated_at', fieldnotes.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_study_brief_study_id_study'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_study_brief_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('study_id', name=op.f('pk_study_brief'))
    )
    op.create_table('interpretation_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('started_at', fieldnotes.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', fieldnotes.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('notes_count', sa.Integer(), nullable=False),
    sa.Column('key_count', sa.Integer(), nullable=False),
    sa.Column('question_count', sa.Integer(), nullable=False),
    sa.Column('candidate_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_interpretation_session_closed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['started_by_id'], ['user.id'], name=op.f('fk_interpretation_session_started_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_interpretation_session_study_id_study'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['site_visit.id'], name=op.f('fk_interpretation_session_visit_id_site_visit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interpretation_session')),
    sa.UniqueConstraint('visit_id', name=op.f('uq_interpretation_session_visit_id'))
    )
    with op.batch_alter_table('interpretation_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interpretation_session_study_id'), ['study_id'], unique=False)

    op.create_table('role_focus',
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('questions', sa.Text(), nullable=False),
    sa.Column('watch_for', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['role.id'], name=op.f('fk_role_focus_role_id_role'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_role_focus_study_id_study'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('role_id', name=op.f('pk_role_focus'))
    )
    with op.batch_alter_table('role_focus', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_focus_study_id'), ['study_id'], unique=False)

    op.create_table('visit_plan',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('who', sa.Text(), nullable=False),
    sa.Column('learn', sa.Text(), nullable=False),
    sa.Column('updated_at', fieldnotes.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_visit_plan_study_id_study'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['site_visit.id'], name=op.f('fk_visit_plan_visit_id_site_visit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('visit_id', name=op.f('pk_visit_plan'))
    )
    with op.batch_alter_table('visit_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_plan_study_id'), ['study_id'], unique=False)

    op.create_table('interpretation_attendee',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['interpretation_session.id'], name=op.f('fk_interpretation_attendee_session_id_interpretation_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_interpretation_attendee_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'user_id', name=op.f('pk_interpretation_attendee'))
    )
    with op.batch_alter_table('interpretation_attendee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interpretation_attendee_user_id'), ['user_id'], unique=False)

    op.create_table('visit_plan_role',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['role.id'], name=op.f('fk_visit_plan_role_role_id_role'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['visit_plan.visit_id'], name=op.f('fk_visit_plan_role_visit_id_visit_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('visit_id', 'role_id', name=op.f('pk_visit_plan_role'))
    )
    with op.batch_alter_table('visit_plan_role', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_plan_role_role_id'), ['role_id'], unique=False)

    op.create_table('visit_plan_touchpoint',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('touchpoint_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['touchpoint_id'], ['touchpoint.id'], name=op.f('fk_visit_plan_touchpoint_touchpoint_id_touchpoint'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['visit_plan.visit_id'], name=op.f('fk_visit_plan_touchpoint_visit_id_visit_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('visit_id', 'touchpoint_id', name=op.f('pk_visit_plan_touchpoint'))
    )
    with op.batch_alter_table('visit_plan_touchpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_plan_touchpoint_touchpoint_id'), ['touchpoint_id'], unique=False)

    op.create_table('note_mark',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('observation_id', sa.Uuid(), nullable=False),
    sa.Column('mark', sa.Enum('key', 'question', 'candidate', name='mark', native_enum=False, length=20), nullable=True),
    sa.Column('context', sa.Text(), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.Column('marked_at', fieldnotes.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['marked_by_id'], ['user.id'], name=op.f('fk_note_mark_marked_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['observation_id'], ['observation.id'], name=op.f('fk_note_mark_observation_id_observation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['interpretation_session.id'], name=op.f('fk_note_mark_session_id_interpretation_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'observation_id', name=op.f('pk_note_mark'))
    )
    with op.batch_alter_table('note_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_mark_observation_id'), ['observation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('note_mark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_mark_observation_id'))

    op.drop_table('note_mark')
    with op.batch_alter_table('visit_plan_touchpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_plan_touchpoint_touchpoint_id'))

    op.drop_table('visit_plan_touchpoint')
    with op.batch_alter_table('visit_plan_role', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_plan_role_role_id'))

    op.drop_table('visit_plan_role')
    with op.batch_alter_table('interpretation_attendee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interpretation_attendee_user_id'))

    op.drop_table('interpretation_attendee')
    with op.batch_alter_table('visit_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_plan_study_id'))

    op.drop_table('visit_plan')
    with op.batch_alter_table('role_focus', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_focus_study_id'))

    op.drop_table('role_focus')
    with op.batch_alter_table('interpretation_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interpretation_session_study_id'))

    op.drop_table('interpretation_session')
    op.drop_table('study_brief')
